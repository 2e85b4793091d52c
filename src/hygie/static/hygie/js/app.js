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
// Drag a scheduled post to another day of the calendar (mouse); the post page stays the
// keyboard way to change its date.
(function () {
  "use strict";
  var dragged = null;
  document.addEventListener("dragstart", function (e) {
    var chip = e.target.closest && e.target.closest("[data-move-url]");
    if (!chip) return;
    dragged = chip;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", chip.getAttribute("data-move-url"));
  });
  document.addEventListener("dragover", function (e) {
    if (dragged && e.target.closest && e.target.closest("[data-drop-date]")) e.preventDefault();
  });
  document.addEventListener("drop", function (e) {
    var cell = e.target.closest && e.target.closest("[data-drop-date]");
    if (!cell || !dragged) return;
    e.preventDefault();
    var url = dragged.getAttribute("data-move-url");
    dragged = null;
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    var body = new URLSearchParams({ date: cell.getAttribute("data-drop-date") });
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    headers["HX-Request"] = "true";
    fetch(url, { method: "POST", headers: headers, body: body, credentials: "same-origin" })
      .then(function () { window.location.reload(); });
  });
})();
// Mandatory mentions: one click appends the suggested wording to the text being written.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-insert]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-insert-into"));
    if (!field) return;
    var addition = button.getAttribute("data-insert");
    field.value = field.value.replace(/\s*$/, "") + (field.value.trim() ? "\n" : "") + addition;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
    field.focus();
  });
})();
