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
// Inbox: j / k move through the conversations, e marks done, a assigns to me, r opens the
// reply box; never while typing in a field. Saved replies are inserted into the reply box and
// the reply can be copied. Every change is announced through the page's aria-live region.
(function () {
  "use strict";
  function typing(target) {
    if (!target || !target.closest) return false;
    return !!target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']");
  }
  function announce(text) {
    var live = document.getElementById("inbox-announce");
    if (!live || !text) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }
  function failed() {
    var live = document.getElementById("inbox-announce");
    announce(live ? live.getAttribute("data-msg-error") : "");
  }
  function csrfHeaders() {
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    headers["HX-Request"] = "true";
    return headers;
  }
  var selected = -1;
  function rows() {
    var list = document.querySelector("[data-inbox-list]");
    return list ? Array.prototype.slice.call(list.querySelectorAll("li[data-conversation-url]")) : [];
  }
  function select(index) {
    var all = rows();
    if (!all.length) return;
    selected = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) {
      if (i === selected) {
        row.setAttribute("aria-current", "true");
        row.style.outline = "3px solid var(--accent, #0f766e)";
        var link = row.querySelector("a");
        if (link) link.focus();
      } else {
        row.removeAttribute("aria-current");
        row.style.outline = "";
      }
    });
  }
  function post(row, urlAttr, body) {
    var url = row.getAttribute(urlAttr);
    if (!url) return;
    fetch(url, { method: "POST", headers: csrfHeaders(), body: new URLSearchParams(body), credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("ul");
        holder.innerHTML = html.trim();
        var fresh = holder.querySelector("li[data-conversation-url]");
        if (!fresh) return;
        row.replaceWith(fresh);
        select(selected);
        announce(fresh.getAttribute("data-announce"));
      })
      .catch(failed);
  }
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    var key = e.key;
    if (["j", "k", "e", "a", "r"].indexOf(key) < 0) return;
    if (document.querySelector("[data-inbox-list]")) {
      var all = rows();
      if (!all.length) return;
      if (selected < 0 || selected >= all.length) {
        var current = document.activeElement && document.activeElement.closest
          ? document.activeElement.closest("li[data-conversation-url]") : null;
        selected = current ? all.indexOf(current) : -1;
      }
      e.preventDefault();
      if (key === "j") select(selected + 1);
      else if (key === "k") select(selected < 0 ? 0 : selected - 1);
      else {
        if (selected < 0) select(0);
        var row = rows()[selected];
        if (key === "e") post(row, "data-status-url", { status: "done" });
        else if (key === "a") post(row, "data-assign-url", { assignee: "me" });
        else if (key === "r") window.location.href = row.getAttribute("data-conversation-url") + "?reply=1#reply-area";
      }
      return;
    }
    if (!document.querySelector("[data-inbox-conversation]")) return;
    if (key === "e" || key === "a") {
      var form = document.getElementById(key === "e" ? "form-done" : "form-assign-me");
      if (!form) return;
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.submit();
    } else if (key === "r") {
      var area = document.getElementById("reply-area");
      var box = document.getElementById("id_reply");
      if (!area) return;
      e.preventDefault();
      area.open = true;
      if (box) box.focus();
    }
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.target && e.target.id === "inbox-results") selected = -1;
  });
  // Saved replies: insert the rendered text where the reply is written (the form reloads the
  // page with the text filled in when JavaScript is off).
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-saved-reply-insert]");
    if (!button) return;
    var form = button.closest("form");
    var box = document.getElementById("id_reply");
    var choice = form && form.querySelector("select[name=saved_reply]");
    if (!form || !box || !choice) return;
    e.preventDefault();
    var error = document.getElementById("saved-reply-error");
    var url = form.getAttribute("data-saved-reply-url") + "?reply=" + encodeURIComponent(choice.value);
    fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (text) { return { ok: response.ok, text: text }; });
      })
      .then(function (answer) {
        if (!answer.ok) {
          if (error) error.textContent = answer.text;
          return;
        }
        if (error) error.textContent = "";
        box.value = box.value.replace(/\s*$/, "") + (box.value.trim() ? "\n\n" : "") + answer.text;
        box.dispatchEvent(new Event("input", { bubbles: true }));
        box.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
        box.focus();
        announce(choice.options[choice.selectedIndex].text);
      })
      .catch(failed);
  });
  // Copy the reply (posting it from Hygie comes later).
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-copy-from]");
    if (!button || !navigator.clipboard) return;
    var box = document.getElementById(button.getAttribute("data-copy-from"));
    if (!box) return;
    navigator.clipboard.writeText(box.value).then(function () {
      announce(button.getAttribute("data-copied"));
    }, failed);
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (navigator.clipboard) {
      document.querySelectorAll("[data-copy-from][hidden]").forEach(function (b) { b.hidden = false; });
    }
  });
  // Arriving with "r" from the list: the reply box is open, the cursor goes into it (once the
  // browser has finished scrolling to the anchor, which would otherwise take the focus back).
  window.addEventListener("load", function () {
    var box = document.getElementById("id_reply");
    var area = document.getElementById("reply-area");
    if (box && area && area.open && window.location.hash === "#reply-area") box.focus();
  });
})();
