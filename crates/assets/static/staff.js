// Small touches on top of htmx, each optional: every page works without script.
// Ask before an action that cannot be taken back (a form with data-confirm).
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { e.preventDefault(); e.stopImmediatePropagation(); }
}, true);

// A search box over a long picker (the taxonomy, the areas, the bureaus): <input data-filter="#id">
// hides the options of select#id whose text does not contain what was typed, and selects the
// first one left. Without script the picker is whole, and browsers jump to an option as one types.
document.addEventListener("input", function (e) {
  var box = e.target;
  var sel = box.getAttribute && box.getAttribute("data-filter");
  if (!sel) return;
  var select = document.querySelector(sel);
  if (!select) return;
  var q = box.value.trim().toLowerCase();
  var first = null;
  Array.prototype.forEach.call(select.options, function (o) {
    var keep = !o.value || !q || o.text.toLowerCase().indexOf(q) >= 0 || o.value.indexOf(q) === 0;
    o.hidden = !keep;
    if (keep && o.value && !first) first = o;
  });
  if (q && first) select.value = first.value;
});
