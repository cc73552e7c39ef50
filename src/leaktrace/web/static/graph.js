// leaktrace console: the actor page's link chart (cytoscape.js, vendored). No inline script (CSP script-src 'self').
// Elements come as JSON from the console; labels are drawn as canvas text, never as markup.
(function () {
  "use strict";
  var box = document.getElementById("link-chart");
  if (!box || typeof cytoscape !== "function") { return; }
  var message = document.getElementById("chart-message");
  var expandBtn = document.getElementById("chart-expand");
  var depthSel = document.getElementById("chart-depth");
  var graphml = document.getElementById("chart-graphml");
  var selectedOut = document.getElementById("chart-selected");
  var table = document.getElementById("link-table");
  var cy = null;
  var limit = 5000;
  var ROLE = { supplier: "#c53030", wholesaler: "#d97706", agent: "#2b6cb0", hub: "#6b7280", none: "#94a3b8" };
  var STYLE = [
    { selector: "node", style: { "background-color": "#94a3b8", "label": "data(label)", "font-size": 9,
      "text-valign": "bottom", "text-margin-y": 2, "text-wrap": "ellipsis", "text-max-width": "140px",
      "width": 14, "height": 14, "min-zoomed-font-size": 7, "color": "#1f2933" } },
    { selector: "node[role = 'supplier']", style: { "background-color": ROLE.supplier } },
    { selector: "node[role = 'wholesaler']", style: { "background-color": ROLE.wholesaler } },
    { selector: "node[role = 'agent']", style: { "background-color": ROLE.agent } },
    { selector: "node[role = 'hub']", style: { "background-color": ROLE.hub, "shape": "diamond" } },
    { selector: "node[?focus]", style: { "border-width": 3, "border-color": "#111827", "width": 20, "height": 20 } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#3b82f6" } },
    { selector: "edge", style: { "width": 1.5, "curve-style": "straight", "line-color": "#334e68", "opacity": 0.8 } },
    { selector: "edge[standing = 'confirmed']", style: { "line-color": "#1b7837", "width": 3 } },
    { selector: "edge[standing = 'inferred']", style: { "line-color": "#d97706", "line-style": "dashed", "width": 2 } },
    { selector: "edge[standing = 'group']", style: { "line-color": "#9aa5b1", "line-style": "dotted", "width": 1 } },
    { selector: "edge[standing = 'rejected']", style: { "line-color": "#c53030", "line-style": "dashed", "width": 1 } },
    { selector: ".filtered", style: { "display": "none" } }
  ];

  function say(text) {
    message.textContent = text || "";
    message.hidden = !text;
  }
  function checked(cls) {
    var out = {};
    Array.prototype.forEach.call(document.querySelectorAll("input." + cls), function (i) { if (i.checked) { out[i.value] = true; } });
    return out;
  }
  function applyFilters() {
    if (!cy) { return; }
    var kinds = checked("kind-filter"), standings = checked("standing-filter");
    cy.batch(function () {
      cy.edges().forEach(function (e) {
        var ok = standings[e.data("standing")] && (e.data("kinds") || []).some(function (k) { return kinds[k]; });
        if (ok) { e.removeClass("filtered"); } else { e.addClass("filtered"); }
      });
    });
    fillTable();
  }
  function mark() {
    box.dataset.nodes = String(cy.nodes().length);
    box.dataset.edges = String(cy.edges().length);
  }
  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    td.className = "captured";
    row.appendChild(td);
  }
  function fillTable() {
    if (!cy || !table || table.hidden) { return; }
    var body = table.tBodies[0];
    var rows = document.createDocumentFragment();
    cy.edges().not(".filtered").forEach(function (e) {
      var tr = document.createElement("tr");
      cell(tr, e.data("source")); cell(tr, e.data("target")); cell(tr, e.data("standing"));
      cell(tr, (e.data("kinds") || []).join(", ")); cell(tr, String(e.data("confidence")));
      tr.title = e.data("reasons") || "";
      rows.appendChild(tr);
    });
    body.replaceChildren(rows);
  }
  function tooLarge(data) {
    box.hidden = true;
    document.dispatchEvent(new CustomEvent("lt:chart-drawn"));
    say((box.dataset.tooLarge || "") + ": " + data.message);
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.error || ("HTTP " + r.status)); }
        return body;
      });
    });
  }
  function draw(data) {
    limit = data.limit || limit;
    if (data.too_large) { tooLarge(data); return; }
    box.hidden = false;
    say("");
    if (cy) { cy.destroy(); }
    box.dataset.rendered = "";
    cy = cytoscape({ container: box, elements: { nodes: data.nodes, edges: data.edges }, style: STYLE,
      layout: { name: "preset", fit: true, padding: 20 }, textureOnViewport: data.nodes.length > 300,
      hideEdgesOnViewport: data.edges.length > 1500, selectionType: "single" });
    window.ltChart = cy;
    cy.on("select", "node", function (e) {
      expandBtn.disabled = false;
      selectedOut.textContent = e.target.data("title") || e.target.id();
    });
    cy.on("unselect", "node", function () { expandBtn.disabled = cy.$("node:selected").length === 0; });
    cy.one("render", function () {
      box.dataset.rendered = "1";
      if (window.performance && performance.mark) { performance.mark("link-chart-rendered"); }
      document.dispatchEvent(new CustomEvent("lt:chart-drawn"));
    });
    mark();
    applyFilters();
  }
  function load() {
    var depth = depthSel ? depthSel.value : "1";
    if (graphml) { graphml.href = graphml.dataset.base + "?depth=" + encodeURIComponent(depth); }
    getJSON(box.dataset.src + "?depth=" + encodeURIComponent(depth)).then(draw).catch(function (err) {
      say(String(err.message || err));
      document.dispatchEvent(new CustomEvent("lt:chart-drawn"));
    });
  }
  function expand() {
    var node = cy && cy.$("node:selected")[0];
    if (!node) { return; }
    getJSON(box.dataset.expand + "?key=" + encodeURIComponent(node.id())).then(function (data) {
      if (data.too_large) { say((box.dataset.tooLarge || "") + ": " + data.message); return; }
      var fresh = data.nodes.filter(function (n) { return cy.getElementById(n.data.id).empty(); });
      if (cy.nodes().length + fresh.length > limit) {
        say((box.dataset.tooLarge || "") + ": " + (cy.nodes().length + fresh.length) + " > " + limit);
        return;
      }
      var at = node.position(), step = (2 * Math.PI) / Math.max(1, fresh.length), r = 60 + 6 * fresh.length;
      fresh.forEach(function (n, i) { n.position = { x: at.x + r * Math.cos(i * step), y: at.y + r * Math.sin(i * step) }; });
      var edges = data.edges.filter(function (e) { return cy.getElementById(e.data.id).empty(); });
      cy.add({ nodes: fresh, edges: edges });
      mark();
      applyFilters();
      say("");
    }).catch(function (err) { say(String(err.message || err)); });
  }
  function png() {
    if (!cy) { return; }
    var blob = cy.png({ output: "blob", bg: "#ffffff", full: true, maxWidth: 4000, maxHeight: 4000 });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "leaktrace-" + (box.dataset.actor || "chart") + ".png";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.classList.contains("kind-filter") || t.classList.contains("standing-filter")) { applyFilters(); }
    if (t === depthSel) { load(); }
  });
  expandBtn.addEventListener("click", expand);
  document.getElementById("chart-fit").addEventListener("click", function () { if (cy) { cy.fit(undefined, 20); } });
  document.getElementById("chart-png").addEventListener("click", png);
  document.addEventListener("lt:toggle", function (e) { if (e.detail === "link-table") { fillTable(); } });
  load();
})();
