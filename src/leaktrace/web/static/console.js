// leaktrace console: keyboard shortcuts for the feed. No inline script anywhere (CSP script-src 'self').
(function () {
  "use strict";
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.row")); }
  function current() { return document.querySelector("tr.row.selected"); }
  function select(row) {
    rows().forEach(function (r) { r.classList.remove("selected"); });
    if (row) { row.classList.add("selected"); row.focus({ preventScroll: false }); }
  }
  function move(step) {
    var all = rows(); if (!all.length) { return; }
    var i = all.indexOf(current());
    select(all[Math.max(0, Math.min(all.length - 1, i < 0 ? 0 : i + step))]);
  }
  function act(selector, input) {
    var row = current(); if (!row) { return; }
    if (input) {
      var field = row.querySelector(input);
      if (field && !field.value) { field.focus(); return; }
    }
    var button = row.querySelector(selector);
    if (button) { button.click(); }
  }
  document.addEventListener("keydown", function (e) {
    var tag = (e.target && e.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || e.ctrlKey || e.metaKey || e.altKey) { return; }
    switch (e.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "d": act("button.do-dismiss", "input.reason-input"); break;
      case "w": act("button.do-watch"); break;
      case "c": act("button.do-case", "input.case-input"); break;
      case "o": { var r = current(); var a = r && r.querySelector("a.open"); if (a) { window.location.href = a.href; } break; }
      default: return;
    }
    e.preventDefault();
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    var t = e.detail && e.detail.target;
    if (t && t.classList && t.classList.contains("row")) { select(t); }
    var fresh = document.getElementById(t && t.id);
    if (fresh && fresh.classList.contains("row")) { select(fresh); }
  });
})();
