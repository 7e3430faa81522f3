/* Behaviour of the manual's pages: remember on-screen ticks of a checklist, and send a reader of an
   outdated revision to the same page in the current one. Runs on every page view (instant navigation). */
(function () {
  "use strict";

  function rememberTicks(form) {
    var key = "manual:ticks:" + form.dataset.code + ":" + form.dataset.revision;
    var saved = {};
    try { saved = JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { saved = {}; }
    form.querySelectorAll("input[type=radio]").forEach(function (input) {
      if (saved[input.name] === input.value) input.checked = true;
      input.addEventListener("change", function () {
        saved[input.name] = input.value;
        localStorage.setItem(key, JSON.stringify(saved));
      });
    });
    if (form.querySelector(".manual-checklist-tools")) return;
    var tools = document.createElement("p");
    tools.className = "manual-checklist-tools";
    var reset = document.createElement("button");
    reset.type = "button";
    reset.className = "md-button";
    reset.textContent = "清除本表的勾选";
    reset.addEventListener("click", function () {
      localStorage.removeItem(key);
      saved = {};
      form.querySelectorAll("input[type=radio]").forEach(function (input) { input.checked = false; });
    });
    tools.appendChild(reset);
    form.querySelector("table").after(tools);
  }

  /* The outdated banner links to the same page under latest/, or to latest/'s home if it is gone. */
  function pointToCurrent(link) {
    var versionRoot = new URL(__md_scope.href);            // e.g. /1.0/
    var page = location.pathname.slice(versionRoot.pathname.length);
    var home = new URL("../latest/", versionRoot);
    var target = new URL(page, home);
    link.href = home.href;
    fetch(target.href, { method: "HEAD" }).then(function (response) {
      if (response.ok) link.href = target.href + location.hash;
    }).catch(function () {});
  }

  /* Material's search panel is a role="dialog" without a name (axe-core: aria-dialog-name). */
  function nameSearchDialog() {
    var dialog = document.querySelector('.md-search[role="dialog"]');
    if (dialog && !dialog.hasAttribute("aria-label") && !dialog.hasAttribute("aria-labelledby")) {
      var input = dialog.querySelector(".md-search__input");
      dialog.setAttribute("aria-label", (input && input.getAttribute("aria-label")) || "搜索");
    }
  }

  /* A table wider than the screen scrolls in its own box (Material's .md-typeset__scrollwrap, our
     .manual-form on a phone); a keyboard user must be able to reach such a box to scroll it
     (axe-core: scrollable-region-focusable). Boxes that fit get no extra tab stop. */
  function focusableScrollBoxes() {
    document.querySelectorAll(".md-typeset__scrollwrap, .manual-form").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.manualScrollbox = "";
      } else if (!scrolls && box.dataset.manualScrollbox !== undefined) {
        box.removeAttribute("tabindex");
        delete box.dataset.manualScrollbox;
      }
    });
  }
  var resizing = 0;
  window.addEventListener("resize", function () {
    cancelAnimationFrame(resizing);
    resizing = requestAnimationFrame(focusableScrollBoxes);
  });

  function onPage() {
    nameSearchDialog();
    focusableScrollBoxes();
    if (document.fonts) document.fonts.ready.then(focusableScrollBoxes);
    document.querySelectorAll(".manual-form--checklist").forEach(rememberTicks);
    document.querySelectorAll(".manual-outdated-link").forEach(pointToCurrent);
  }

  if (window.document$) window.document$.subscribe(onPage);
  else document.addEventListener("DOMContentLoaded", onPage);
})();
