/* The manual's pages in the browser: the status bar (what this revision is today), the version selector in
   Chinese, "open the current revision of this page", the redline's next-change navigation and comparisons,
   printing blank or ticked forms, remembered ticks. Runs on every page view (Material's instant navigation
   emits document$ for each). The state rules are in javascripts/status.js. */
(function () {
  "use strict";

  var status = window.manualStatus;
  var NAMES = status.NAMES, stateOf = status.stateOf, inForce = status.inForce, pendingOf = status.pendingOf,
    localToday = status.localToday;

  /* -- versions.json ------------------------------------------------------------------------------- */
  var versionsPromise = null;
  function versionRoot() { return new URL(__md_scope.href); }              // e.g. /1.2/
  function treeRoot() { return new URL("../", versionRoot()); }
  function loadVersions() {
    if (!versionsPromise) {
      versionsPromise = fetch(new URL("versions.json", treeRoot()).href, { cache: "no-cache" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(status.fromVersionsJson);
    }
    return versionsPromise;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  /* The same page in another version, or that version's home when the page is not there. */
  function samePageIn(version, path) {
    var home = new URL(version + "/", treeRoot());
    var target = new URL(path || "", home);
    return fetch(target.href, { method: "HEAD" }).then(function (r) { return r.ok ? target.href + location.hash : home.href; })
      .catch(function () { return home.href; });
  }

  /* -- the status bar ---------------------------------------------------------------------------------- */
  function pageData() {
    var node = document.querySelector("[data-manual-page]");
    return node ? node.dataset : null;
  }

  function setBar(state, parts) {
    var bar = document.querySelector("[data-manual-status]");
    if (!bar) return;
    bar.className = "manual-status manual-status--" + state;
    bar.dataset.state = state;
    var inner = bar.querySelector(".manual-status__inner");
    inner.textContent = "";
    inner.appendChild(el("strong", { "class": "manual-status__state" }, NAMES[state] || ""));
    parts.forEach(function (part) {
      if (typeof part === "string") inner.appendChild(el("span", { "class": "manual-status__text" }, part));
      else inner.appendChild(part);
    });
  }

  function link(text, href, cls) {
    var a = el("a", { href: href, "class": "manual-status__link" + (cls ? " " + cls : "") }, text);
    return a;
  }

  function renderStatus() {
    var data = pageData();
    if (!data) return;
    if (data.draft === "true") { document.documentElement.dataset.manualState = "draft"; return; }
    var today = localToday();
    loadVersions().then(function (list) {
      var state = stateOf(data.version, list, today);
      var current = inForce(list, today);
      var here = list.filter(function (i) { return i.version === data.version; })[0];
      var parts = [];
      if (state === "in_force") {
        parts.push("《办事处营运手册》" + data.title + "，" + data.effective + " 起生效");
        if (data.updated === "true") parts.push(link("本页在本次修订中有修订：查看", data.changes));
        pendingOf(list, today).forEach(function (p) {
          if (p.changed.indexOf(data.path) >= 0) {
            var a = link("本页将于 " + p.effective + " 起按 " + p.title + " 执行：先看新版", new URL(p.version + "/" + data.path, treeRoot()).href, "manual-status__pending");
            parts.push(a);
          }
        });
      } else if (state === "pending") {
        parts.push(data.title + " 将于 " + data.effective + " 起生效，尚未生效" + (current ? "；在此之前按现行的 " + current.title + " 执行" : ""));
      } else if (state === "superseded") {
        parts.push("本页属于 " + data.title + "，已被 " + (current ? current.title + "（" + current.effective + " 起生效）" : "新版本") + " 替代，不得据此执行");
      } else if (state === "withdrawn") {
        parts.push(data.title + " 已于 " + here.withdrawn + " 撤销" + (here.withdrawalNotice ? "（" + here.withdrawalNotice + "）" : "") + "，从未生效，不得据此执行");
      }
      if (state !== "in_force" && current) {
        var open = link("打开现行版本的本页", new URL(current.version + "/", treeRoot()).href, "manual-status__current");
        parts.push(open);
        samePageIn(current.version, data.path).then(function (href) { open.href = href; });
      }
      setBar(state, parts);
      document.documentElement.dataset.manualState = state;
    }).catch(function () {
      setBar("unknown", ["《办事处营运手册》" + data.title + "，" + data.effective + " 起生效（无法连接服务器确认本页是否为现行版本）"]);
    });
  }

  /* -- the version selector, in Chinese, with each version's state --------------------------------- */
  /* Material draws the selector after it has fetched versions.json, and again on some navigations: relabelled
     each time it appears. mike's alias ("latest") becomes the version's state (现行, 尚未生效, 已撤销). */
  function relabelVersions(list, today) {
    function label(node, state) {
      node.querySelectorAll(".md-version__alias").forEach(function (alias) { alias.remove(); });
      if (state !== "superseded") node.appendChild(el("span", { "class": "md-version__alias manual-version-state manual-version-state--" + state }, NAMES[state]));
      node.dataset.manualLabelled = "1";
    }
    function apply() {
      document.querySelectorAll(".md-version__link:not([data-manual-labelled])").forEach(function (a) {
        var item = list.filter(function (i) { return a.href.indexOf("/" + i.version + "/") >= 0; })[0];
        if (item) label(a, stateOf(item.version, list, today));
      });
      var button = document.querySelector(".md-version__current:not([data-manual-labelled])");
      if (button) {   // the version this page belongs to: its folder (a 404 page has no page data)
        var folder = versionRoot().pathname.split("/").filter(Boolean).pop();
        var item = list.filter(function (i) { return i.version === folder || i.aliases.indexOf(folder) >= 0; })[0];
        label(button, item ? stateOf(item.version, list, today) : "superseded");
      }
      button = document.querySelector(".md-version__current");
      if (button) button.setAttribute("aria-label", button.textContent.trim() + "（选择版本）");
    }
    apply();
    var header = document.querySelector(".md-header");
    if (header && !header.dataset.manualObserved) {
      header.dataset.manualObserved = "1";
      new MutationObserver(apply).observe(header, { childList: true, subtree: true });
    }
  }

  /* -- headings' permalinks in Chinese ------------------------------------------------------------- */
  function chinesePermalinks() {
    document.querySelectorAll("a.headerlink").forEach(function (a) {
      a.title = "本节的固定链接";
      a.setAttribute("aria-label", "本节的固定链接");
    });
  }

  /* -- redline: next change, and the comparison chooser -------------------------------------------- */
  function changeNavigation() {
    var changes = Array.prototype.slice.call(document.querySelectorAll(".manual-change"));
    document.querySelectorAll(".manual-change-nav").forEach(function (nav) {
      if (!changes.length) return;
      nav.hidden = false;
      var index = -1;
      var count = nav.querySelector(".manual-change-nav__count");
      count.textContent = "共 " + changes.length + " 处修订";
      nav.querySelectorAll("[data-manual-change-step]").forEach(function (button) {
        button.addEventListener("click", function () {
          index = Math.max(0, Math.min(changes.length - 1, index + Number(button.dataset.manualChangeStep)));
          changes.forEach(function (c) { c.classList.remove("manual-change--current"); });
          var target = changes[index];
          target.classList.add("manual-change--current");
          target.setAttribute("tabindex", "-1");
          target.scrollIntoView({ block: "center" });
          target.focus({ preventScroll: true });
          count.textContent = "第 " + (index + 1) + " 处，共 " + changes.length + " 处";
        });
      });
    });
    document.querySelectorAll("form[data-manual-compare]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        location.href = form.querySelector("select").value;
      });
    });
  }

  /* -- forms: remembered ticks, printing blank or ticked ------------------------------------------- */
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
    var tools = el("p", { "class": "manual-checklist-tools" });
    var reset = el("button", { type: "button", "class": "md-button" }, "清除本表的勾选");
    reset.addEventListener("click", function () {
      localStorage.removeItem(key);
      saved = {};
      form.querySelectorAll("input[type=radio]").forEach(function (input) { input.checked = false; });
    });
    tools.appendChild(reset);
    var table = form.querySelector("table");
    if (table) table.after(tools);
  }

  function printButtons() {
    document.querySelectorAll("[data-manual-print]").forEach(function (button) {
      if (button.dataset.manualBound) return;
      button.dataset.manualBound = "1";
      button.addEventListener("click", function () {
        document.documentElement.dataset.manualPrint = button.dataset.manualPrint;   // "blank" or "ticked"
        window.print();
      });
    });
  }
  window.addEventListener("afterprint", function () { delete document.documentElement.dataset.manualPrint; });

  /* Just before printing: the print date into every sheet's footer, and on every sheet of a revision that is
     not in force today, its state in the header (opsmanual/render/paper.py writes the @page rules). */
  var ON_PAPER = { superseded: "已被替代　不得据此执行", withdrawn: "已撤销　不得据此执行", draft: "草稿　不得据此执行" };
  function preparePrint() {
    var today = localToday();
    var state = document.documentElement.dataset.manualState;
    var data = pageData();
    var notice = state === "pending" && data ? "尚未生效　" + data.effective + " 起执行" : ON_PAPER[state];
    document.querySelectorAll("style[media=print]").forEach(function (style) {
      if (style.dataset.manualOriginal === undefined) style.dataset.manualOriginal = style.textContent;
      var text = style.dataset.manualOriginal.split("打印日期：＿＿＿＿＿＿").join("打印日期：" + today);
      if (notice) text = text.replace(/@page( [\w-]+)? \{/g, function (rule) {
        return rule + ' @top-center { content: "' + notice + '"; }';
      });
      style.textContent = text;
    });
  }
  window.addEventListener("beforeprint", preparePrint);

  /* A table wider than the screen scrolls in its own box; a keyboard user must be able to reach such a box
     to scroll it (axe-core: scrollable-region-focusable). Boxes that fit get no extra tab stop. */
  function focusableScrollBoxes() {
    document.querySelectorAll(".md-typeset__scrollwrap, .manual-form, .manual-table-wrap").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "可横向滚动的表格");
        box.dataset.manualScrollbox = "";
      } else if (!scrolls && box.dataset.manualScrollbox !== undefined) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        delete box.dataset.manualScrollbox;
      }
    });
  }
  var resizing = 0;
  window.addEventListener("resize", function () {
    cancelAnimationFrame(resizing);
    resizing = requestAnimationFrame(focusableScrollBoxes);
  });

  /* Material's search panel is a role="dialog" without a name (axe-core: aria-dialog-name). */
  function nameSearchDialog() {
    var dialog = document.querySelector('.md-search[role="dialog"]');
    if (dialog && !dialog.hasAttribute("aria-label") && !dialog.hasAttribute("aria-labelledby")) {
      var input = dialog.querySelector(".md-search__input");
      dialog.setAttribute("aria-label", (input && input.getAttribute("aria-label")) || "搜索");
    }
  }

  function onPage() {
    nameSearchDialog();
    chinesePermalinks();
    focusableScrollBoxes();
    if (document.fonts) document.fonts.ready.then(focusableScrollBoxes);
    document.querySelectorAll(".manual-form--checklist").forEach(rememberTicks);
    printButtons();
    changeNavigation();
    renderStatus();
    loadVersions().then(function (list) { relabelVersions(list, localToday()); }, function () {});
  }

  if (window.document$) window.document$.subscribe(onPage);
  else document.addEventListener("DOMContentLoaded", onPage);
})();
