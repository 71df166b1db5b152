(function () {
  "use strict";
  var filter = document.getElementById("filter");
  var only = document.getElementById("only-problems");
  function apply() {
    var q = (filter.value || "").toLowerCase();
    var problems = only.checked;
    document.querySelectorAll("#safeguards tr.row").forEach(function (tr) {
      var text = tr.textContent.toLowerCase() + " " + (tr.closest("details.policy") || {}).dataset.policy;
      var ok = (!q || text.indexOf(q) >= 0) && (!problems || tr.dataset.status !== "pass");
      tr.style.display = ok ? "" : "none";
    });
    if (q) {
      document.querySelectorAll("#safeguards details").forEach(function (d) {
        d.open = d.textContent.toLowerCase().indexOf(q) >= 0;
      });
    }
  }
  filter.addEventListener("input", apply);
  only.addEventListener("change", apply);
  document.getElementById("expand").addEventListener("click", function () {
    document.querySelectorAll("#safeguards details").forEach(function (d) { d.open = true; });
  });
  document.getElementById("collapse").addEventListener("click", function () {
    document.querySelectorAll("#safeguards details").forEach(function (d) { d.open = false; });
  });
  document.body.dataset.ready = "true";
})();
