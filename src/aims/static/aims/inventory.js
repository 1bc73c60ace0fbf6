// Inventory pages: small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // A link to "<system page>#documentation" (from a notification or a gate check) opens the tab holding that anchor:
  // the server never sees fragments, so the tab is chosen here.
  function openTabOfAnchor() {
    var tabbed = document.getElementById("tabbed");
    var anchor = decodeURIComponent((window.location.hash || "").slice(1));
    if (!tabbed || !anchor || document.getElementById(anchor)) return;
    var pairs = (tabbed.getAttribute("data-anchor-tabs") || "").split(/\s+/);
    for (var i = 0; i < pairs.length; i++) {
      var parts = pairs[i].split("=");
      var key = parts[0], tab = parts[1];
      var matches = key.slice(-1) === "-" ? anchor.indexOf(key) === 0 : anchor === key;
      if (key && tab && matches) {
        var params = new URLSearchParams(window.location.search);
        if (params.get("tab") === tab) return;
        params.set("tab", tab);
        window.location.replace(window.location.pathname + "?" + params.toString() + "#" + anchor);
        return;
      }
    }
  }

  // Questionnaire: a question shown only for some answers of another is hidden until those answers are given.
  function answerOf(form, key) {
    var inputs = form.querySelectorAll("input[name='" + key + "']");
    var values = [];
    for (var i = 0; i < inputs.length; i++) if (inputs[i].checked) values.push(inputs[i].value);
    return values;
  }

  function refreshQuestions(form) {
    var dependent = form.querySelectorAll("[data-show-if]");
    for (var i = 0; i < dependent.length; i++) {
      var el = dependent[i];
      var values = answerOf(form, el.getAttribute("data-show-if"));
      var show;
      if (el.hasAttribute("data-show-if-answered")) {
        show = values.length > 0;
      } else {
        var wanted = (el.getAttribute("data-show-if-in") || "").split(" ");
        show = values.some(function (v) { return wanted.indexOf(v) !== -1; });
      }
      el.hidden = !show;
    }
  }

  // Component form: only the fields of the chosen kind (model, dataset) are shown.
  function refreshKindFields(form) {
    var kind = form.querySelector("select[name='kind']");
    if (!kind) return;
    var groups = form.querySelectorAll("fieldset[data-kind]");
    for (var i = 0; i < groups.length; i++) groups[i].hidden = groups[i].getAttribute("data-kind") !== kind.value;
  }

  function init() {
    openTabOfAnchor();
    var forms = document.querySelectorAll(".questionnaire-form");
    for (var i = 0; i < forms.length; i++) {
      (function (form) {
        refreshQuestions(form);
        form.addEventListener("change", function () { refreshQuestions(form); });
      })(forms[i]);
    }
    var componentForms = document.querySelectorAll(".component-form");
    for (var j = 0; j < componentForms.length; j++) {
      (function (form) {
        refreshKindFields(form);
        form.addEventListener("change", function () { refreshKindFields(form); });
      })(componentForms[j]);
    }
  }

  document.addEventListener("DOMContentLoaded", init);
  // Tabs are swapped in by htmx: the questionnaire may arrive after the page loaded.
  document.addEventListener("htmx:afterSettle", init);
})();
