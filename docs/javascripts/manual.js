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

  function onPage() {
    document.querySelectorAll(".manual-form--checklist").forEach(rememberTicks);
    document.querySelectorAll(".manual-outdated-link").forEach(pointToCurrent);
  }

  if (window.document$) window.document$.subscribe(onPage);
  else document.addEventListener("DOMContentLoaded", onPage);
})();
