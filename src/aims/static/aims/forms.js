// Searchable pickers. Every <select data-searchable> (people, AI systems, components, threats, controls: marked by
// aims.core.widgets) and every <select multiple> becomes a Tom Select control (static/vendor/tom-select): type to
// filter, arrows and Enter to choose, Backspace to remove. The <select> stays in the form and is what the server
// receives; without JavaScript it works as a plain select. Its words come translated from the page: the data-
// attributes of this script's tag (base.html).
(function () {
  "use strict";

  var script = document.currentScript;
  function word(name, fallback) {
    return (script && script.getAttribute("data-" + name)) || fallback;
  }
  var WORDS = { noResults: word("no-results", "No match"), remove: word("remove", "Remove"),
                search: word("search", "Type to search…") };

  function escapeHtml(text) {
    var element = document.createElement("div");
    element.textContent = text;
    return element.innerHTML;
  }

  function enhance(select) {
    if (select.tomselect) return;
    var multiple = select.multiple;
    var settings = {
      maxOptions: null,  // every option is offered: lists of people, systems or controls, not of millions
      allowEmptyOption: !multiple && !select.required,  // an optional choice can be set back to none
      placeholder: WORDS.search,
      // Filter the page's own options as each key is typed. Tom Select's default waits 300 ms, then refreshes and
      // opens the list again, even after a choice was made and the list closed: CI saw it cover the form's button.
      refreshThrottle: 0,
      render: {
        no_results: function () { return '<div class="no-results">' + escapeHtml(WORDS.noResults) + "</div>"; },
      },
    };
    var url = select.getAttribute("data-search-url");
    if (url) {
      settings.refreshThrottle = 300;  // matches come from the API: Tom Select's pause while the person types stays
      // A register too long for the page: matches come from the API as the person types (aims.core.widgets).
      var fields = (select.getAttribute("data-search-label") || "name").split(" ");
      // The server has chosen the matches (by every word, in fields the label may not show): keep them all, but
      // not the "none" choice while a search is typed.
      settings.score = function () { return function (item) { return item.value === "" ? 0 : 1; }; };
      settings.shouldLoad = function (query) { return query.length > 0; };
      settings.load = function (query, callback) {
        fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "limit=25&q=" + encodeURIComponent(query),
              { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { items: [] }; })
          .then(function (page) {
            callback((page.items || []).map(function (item) {
              var text = fields.map(function (f) { return item[f] || ""; }).join(" ").trim();
              return { value: String(item.id), text: text };
            }));
          })
          .catch(function () { callback(); });
      };
    }
    if (multiple) {
      settings.plugins = { remove_button: { title: WORDS.remove } };
      // After a choice among several, the typed words go: ready for the next one.
      settings.onItemAdd = function () { this.setTextboxValue(""); this.refreshOptions(false); };
    }
    new window.TomSelect(select, settings);
  }

  function enhanceWithin(root) {
    if (!window.TomSelect || !root || !root.querySelectorAll) return;
    var selects = root.querySelectorAll("select[data-searchable], select[multiple]");
    for (var i = 0; i < selects.length; i++) enhance(selects[i]);
  }

  document.addEventListener("DOMContentLoaded", function () { enhanceWithin(document); });
  // Forms htmx brings into the page later (a tab, a swapped panel).
  document.addEventListener("htmx:load", function (event) { enhanceWithin(event.target); });
})();
