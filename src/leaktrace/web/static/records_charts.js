// leaktrace console: the charts of the dump and case pages, drawn with the vendored ECharts.
// No inline script (CSP script-src 'self'): each chart is a <div data-chart="KIND"> and its numbers are the
// JSON in the data-json attribute of <div id="chart-data">, which the browser never runs. Every chart has its
// table in the page too, so nothing here is the only way to read a number.
(function () {
  "use strict";
  var palette = ["#eef3fa", "#c6d8ee", "#8fb3dc", "#4f86c6", "#1f5aa6", "#0b3473"];
  var data = null;
  function load() {
    var el = document.getElementById("chart-data");
    if (!el) { return null; }
    try { return JSON.parse(el.getAttribute("data-json") || "{}"); } catch (e) { return null; }
  }
  function fmt(n) { return (n === null || n === undefined) ? "—" : Number(n).toLocaleString(); }

  function drawMap(el, chart) {
    var url = el.getAttribute("data-geo");
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
      echarts.registerMap("china-provinces", geo);
      var labels = {};
      (data.provinces || []).forEach(function (p) { labels[p.name] = p.label; });
      geo.features.forEach(function (f) { if (!labels[f.properties.code]) { labels[f.properties.code] = f.properties.name; } });
      chart.setOption({
        tooltip: { trigger: "item", formatter: function (p) { return (labels[p.name] || p.name) + ": " + fmt(p.value); } },
        visualMap: { min: 0, max: Math.max(1, data.max || 1), left: 10, bottom: 10, calculable: true,
                     text: [fmt(data.max), "0"], inRange: { color: palette } },
        series: [{ type: "map", map: "china-provinces", nameProperty: "code", roam: false, selectedMode: false,
                   emphasis: { label: { show: false }, itemStyle: { areaColor: "#f6c244" } },
                   label: { show: false }, data: data.provinces || [] }]
      });
      chart.on("click", function (p) {
        var target = el.getAttribute("data-cities");
        if (!target || !p.name) { return; }
        var url2 = target + "?province=" + encodeURIComponent(p.name);
        if (window.htmx) { window.htmx.ajax("GET", url2, { target: "#cities", swap: "outerHTML" }); }
        else { window.location.href = url2.replace("/cities?", "?") + "#cities"; }
      });
    });
  }

  function bars(chart, labels, values, horizontal) {
    var cat = { type: "category", data: labels }, val = { type: "value" };
    chart.setOption({
      tooltip: { trigger: "axis" }, grid: { left: 60, right: 20, top: 20, bottom: 30 },
      xAxis: horizontal ? val : cat, yAxis: horizontal ? cat : val,
      series: [{ type: "bar", data: values, itemStyle: { color: "#4f86c6" } }]
    });
  }

  var kinds = {
    map: drawMap,
    ages: function (el, chart) { bars(chart, data.ages.labels, data.ages.values, false); },
    gender: function (el, chart) {
      chart.setOption({ tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "70%"], data: data.gender || [], label: { formatter: "{b}: {d}%" } }] });
    },
    padding: function (el, chart) {
      var p = data.padding || {};
      bars(chart, (el.getAttribute("data-labels") || "").split("|"), p.values || [], true);
    },
    timeline: function (el, chart) {
      chart.setOption({
        tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 40, right: 20, top: 30, bottom: 30 },
        xAxis: { type: "category", data: data.days || [] }, yAxis: { type: "value", minInterval: 1 },
        series: (data.series || []).map(function (s) { return { type: "bar", stack: "all", name: s.name, data: s.values }; })
      });
    }
  };

  function init() {
    data = load();
    if (!data || !window.echarts) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
      var draw = kinds[el.getAttribute("data-chart")];
      if (!draw) { return; }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      draw(el, chart);
      el.setAttribute("data-drawn", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
