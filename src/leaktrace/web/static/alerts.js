// Keyboard for the alerts page: j/k move between alerts, a acknowledges, d and e focus the
// dismiss reason and escalate case fields of the focused alert (Enter then submits).
(function () {
  "use strict";
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.alert")); }
  function current() {
    var el = document.activeElement;
    while (el && !(el.classList && el.classList.contains("alert"))) { el = el.parentElement; }
    return el;
  }
  document.addEventListener("keydown", function (ev) {
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var list = rows();
    if (!list.length) { return; }
    var row = current();
    var i = row ? list.indexOf(row) : -1;
    if (ev.key === "j" || ev.key === "k") {
      var next = list[Math.max(0, Math.min(list.length - 1, i + (ev.key === "j" ? 1 : -1)))];
      next.focus();
      ev.preventDefault();
      return;
    }
    if (!row) { return; }
    var target = row.querySelector('[data-key="' + ev.key + '"]');
    if (!target) { return; }
    ev.preventDefault();
    if (target.tagName === "BUTTON") { target.click(); } else { target.focus(); }
  });
}());
