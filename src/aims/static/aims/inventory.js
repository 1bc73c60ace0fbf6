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

  // Questionnaire: a question is asked only when its condition (the catalogue's show_if, as JSON) holds for the
  // answers given so far; a section whose questions are all hidden is hidden with its heading. The server applies
  // the same rules (aims.inventory.ai_act.condition_holds) and ignores the answers of hidden questions.
  function answerOf(form, key) {
    var inputs = form.querySelectorAll("input[name='" + key + "']");
    var values = [];
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      var asked = !input.closest("[hidden]");
      if (!asked) continue;
      if (input.type === "checkbox" || input.type === "radio") { if (input.checked) values.push(input.value); }
      else if (input.value.trim()) values.push(input.value.trim());
    }
    return values;
  }

  function holds(form, condition) {
    if (!condition) return true;
    if (condition.all) return condition.all.every(function (c) { return holds(form, c); });
    if (condition.any) return condition.any.some(function (c) { return holds(form, c); });
    var values = answerOf(form, condition.question);
    if (condition["in"]) return values.some(function (v) { return condition["in"].indexOf(v) !== -1; });
    if (condition.not_in) return values.some(function (v) { return condition.not_in.indexOf(v) === -1; });
    return true;
  }

  function refreshQuestions(form) {
    // In catalogue order: a question's condition refers to earlier questions only, so one pass settles them all.
    var questions = form.querySelectorAll("[data-question]");
    for (var i = 0; i < questions.length; i++) {
      var el = questions[i];
      var raw = el.getAttribute("data-show-if");
      el.hidden = raw ? !holds(form, JSON.parse(raw)) : false;
    }
    var sections = form.querySelectorAll(".q-section");
    for (var j = 0; j < sections.length; j++) {
      sections[j].hidden = !sections[j].querySelector("[data-question]:not([hidden])");
    }
  }

  // "None of these" and "don't know" exclude the other answers of the same question, and the other way round.
  function keepExclusiveAlone(form, input) {
    if (!input || input.type !== "checkbox" || !input.checked) return;
    var siblings = form.querySelectorAll("input[type=checkbox][name='" + input.name + "']");
    var exclusive = input.hasAttribute("data-exclusive");
    for (var i = 0; i < siblings.length; i++) {
      var other = siblings[i];
      if (other !== input && (exclusive || other.hasAttribute("data-exclusive"))) other.checked = false;
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
        if (form.getAttribute("data-ready")) return;
        form.setAttribute("data-ready", "1");
        refreshQuestions(form);
        form.addEventListener("change", function (event) {
          keepExclusiveAlone(form, event.target);
          refreshQuestions(form);
        });
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
