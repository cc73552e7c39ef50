// leaktrace console: ECharts (vendored) for the actor and group pages, and the chart/table toggles.
// Data come from data- attributes the server escaped; tooltips render as canvas text (no HTML, CSP-clean).
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("button.toggle");
    if (!b) { return; }
    var target = document.getElementById(b.dataset.toggle);
    if (!target) { return; }
    target.hidden = !target.hidden;
    b.setAttribute("aria-expanded", String(!target.hidden));
    document.dispatchEvent(new CustomEvent("lt:toggle", { detail: b.dataset.toggle }));
  });
  var BASE = { animation: false, tooltip: { renderMode: "richText", confine: true } };

  function json(el, name) {
    try { return JSON.parse(el.dataset[name] || "null"); } catch (err) { return null; }
  }
  function done(el, chart) {
    chart.on("finished", function () { el.dataset.rendered = "1"; });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function short(s, n) { s = String(s); return s.length > n ? s.slice(0, n - 1) + "…" : s; }

  function priceChart(el) {
    var data = json(el, "series") || {};
    var chart = echarts.init(el, null, { renderer: "canvas" });
    done(el, chart);
    var series = [];
    Object.keys(data.prices || {}).forEach(function (cur) {
      series.push({ name: el.dataset.lPrice + " (" + cur + ")", type: "line", yAxisIndex: 0, symbolSize: 6,
        data: data.prices[cur].map(function (p) { return [p[0], p[1]]; }) });
    });
    series.push({ name: el.dataset.lRecords, type: "scatter", yAxisIndex: 1, symbolSize: 8,
      data: (data.records || []).map(function (p) { return [p[0], p[1]]; }) });
    series.push({ name: el.dataset.lPosts, type: "bar", yAxisIndex: 2, barMaxWidth: 6, itemStyle: { opacity: 0.35 },
      data: (data.posts || []).map(function (p) { return [p[0], p[1]]; }) });
    chart.setOption(Object.assign({}, BASE, {
      legend: { type: "scroll", top: 0 }, grid: { left: 60, right: 90, top: 40, bottom: 40 },
      tooltip: { renderMode: "richText", trigger: "axis" },
      xAxis: { type: "time" },
      yAxis: [{ type: "value", name: el.dataset.lPrice, scale: true },
              { type: "log", name: el.dataset.lRecords, position: "right", logBase: 10 },
              { type: "value", show: false }],
      series: series
    }));
  }

  function provinceMap(el) {
    var counts = json(el, "provinces") || {};
    fetch(el.dataset.geo, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
      echarts.registerMap(el.dataset.map, geo);
      var chart = echarts.init(el, null, { renderer: "canvas" });
      done(el, chart);
      var values = Object.keys(counts).map(function (k) { return { name: k, value: counts[k] }; });
      var max = values.reduce(function (m, v) { return Math.max(m, v.value); }, 1);
      chart.setOption(Object.assign({}, BASE, {
        visualMap: { min: 0, max: max, left: 10, bottom: 10, calculable: false, inRange: { color: ["#e0ecf8", "#c53030"] } },
        series: [{ type: "map", map: el.dataset.map, roam: true, name: el.dataset.lCount, data: values,
          label: { show: false }, emphasis: { label: { show: true } }, itemStyle: { borderColor: "#9aa5b1", areaColor: "#f1f4f7" } }]
      }));
    }).catch(function () { el.textContent = "map unavailable"; });
  }

  function sankey(el) {
    var flows = json(el, "flows") || [];
    var select = document.getElementById("flow-currency");
    var chart = echarts.init(el, null, { renderer: "canvas" });
    done(el, chart);
    function draw() {
      var cur = select ? select.value : (flows[0] && flows[0].currency);
      var mine = flows.filter(function (f) { return f.currency === cur; });
      var names = {};
      mine.forEach(function (f) { names[f.source] = 1; names[f.target] = 1; });
      chart.setOption(Object.assign({}, BASE, {
        series: [{ type: "sankey", emphasis: { focus: "adjacency" }, nodeAlign: "justify", left: 10, right: 160,
          label: { formatter: function (p) { return short(p.name.replace(/^(in|out|wallet):/, ""), 18); } },
          data: Object.keys(names).map(function (n) { return { name: n }; }),
          links: mine.map(function (f) { return { source: f.source, target: f.target, value: f.amount }; }) }]
      }), true);
    }
    if (select) { select.addEventListener("change", draw); }
    draw();
  }

  function start() {
    if (typeof echarts === "undefined") { return; }
    var el = document.getElementById("price-chart");
    if (el) { priceChart(el); }
    el = document.getElementById("province-map");
    if (el) { provinceMap(el); }
    el = document.getElementById("money-sankey");
    if (el) { sankey(el); }
  }
  // ECharts (1.1 MB) is fetched only when a page has such a chart, and on the actor page only after the link
  // chart has drawn its first frame: parsing it first would delay that frame on a busy machine.
  function load() {
    if (typeof echarts !== "undefined") { start(); return; }
    var s = document.createElement("script");
    s.src = "/static/vendor/echarts/echarts.min.js";
    s.onload = start;
    document.head.appendChild(s);
  }
  if (!document.querySelector(".echart")) { return; }
  var link = document.getElementById("link-chart");
  if (link && link.dataset.rendered !== "1" && !link.hidden) {
    var fallback = setTimeout(load, 3000);
    document.addEventListener("lt:chart-drawn", function () { clearTimeout(fallback); load(); }, { once: true });
  } else {
    load();
  }
})();
