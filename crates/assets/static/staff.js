// Small touches on top of htmx, each optional: every page works without script.
// Ask before an action that cannot be taken back (a form with data-confirm).
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { e.preventDefault(); e.stopImmediatePropagation(); }
}, true);
