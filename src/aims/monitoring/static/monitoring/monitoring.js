// Monitoring pages: print buttons, and the KPI form filled from the catalogue entry chosen.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var data = document.getElementById("kpi-catalogue");
    var select = document.getElementById("id_catalogue_key");
    if (!data || !select) { return; }
    var entries = {};
    JSON.parse(data.textContent).forEach(function (entry) { entries[entry.key] = entry; });
    function field(name) { return document.getElementById("id_" + name); }
    function apply() {
      var entry = entries[select.value];
      var custom = !entry;
      ["name", "family"].forEach(function (name) {
        var input = field(name);
        if (input) { input.closest(".field").hidden = !custom; }
      });
      if (!entry) { return; }
      field("unit").value = entry.unit || "";
      field("direction").value = entry.direction;
      field("frequency").value = entry.frequency;
      ["target", "warning", "critical"].forEach(function (name) {
        var value = entry.suggested[name];
        field(name).value = value === undefined ? "" : value;
      });
    }
    select.addEventListener("change", apply);
    apply();
  });
})();
