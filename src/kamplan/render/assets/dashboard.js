// Portfolio dashboard: sort by any column, filter by text and tier. No network, no eval.
(function () {
  "use strict";
  var table = document.getElementById("accounts");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var original = rows.slice();
  var filter = document.getElementById("filter");
  var tier = document.getElementById("tier");
  var shown = document.getElementById("shown");

  function apply() {
    var text = (filter.value || "").toLowerCase();
    var wanted = tier.value;
    var count = 0;
    rows.forEach(function (row) {
      var visible = (!text || row.textContent.toLowerCase().indexOf(text) >= 0) &&
                    (!wanted || row.getAttribute("data-tier") === wanted);
      row.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = count + " of " + rows.length + " accounts";
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    th.setAttribute("tabindex", "0");
    function sort() {
      var key = th.getAttribute("data-key");
      var numeric = th.getAttribute("data-type") === "num";
      var direction = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", direction);
      var factor = direction === "ascending" ? 1 : -1;
      rows = original.slice().sort(function (a, b) {
        var x = a.getAttribute("data-" + key), y = b.getAttribute("data-" + key);
        if (numeric) { return factor * (parseFloat(x) - parseFloat(y)); }
        return factor * x.localeCompare(y);
      });
      rows.forEach(function (row) { body.appendChild(row); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
  });
  filter.addEventListener("input", apply);
  tier.addEventListener("change", apply);
  apply();
}());
