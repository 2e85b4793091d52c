// Progressive enhancements only: every page works without JavaScript.
(function () {
  "use strict";
  // Live character counter under the composer (graphemes, as most networks count them).
  function countGraphemes(text) {
    if (window.Intl && Intl.Segmenter) {
      return Array.from(new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)).length;
    }
    return Array.from(text).length;
  }
  function bindCounters(root) {
    root.querySelectorAll("[data-counter-for]").forEach(function (out) {
      var input = document.getElementById(out.getAttribute("data-counter-for"));
      if (!input) return;
      var update = function () {
        out.textContent = countGraphemes(input.value) + " " + (document.documentElement.lang === "fr" ? "caractères" : "characters");
      };
      input.addEventListener("input", update);
      update();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { bindCounters(document); });
  document.addEventListener("htmx:afterSwap", function (e) { bindCounters(e.target); });
})();
