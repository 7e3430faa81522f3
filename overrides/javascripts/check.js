/* The currency check page (opsmanual/render/templates/check.html): ?v=<version>&p=<page path>. The document's
   title is read from that page as published (t=<title>, which sheets printed from earlier builds carry, is still read). */
(function () {
  "use strict";
  var status = window.manualStatus;
  var query = new URLSearchParams(location.search);
  var version = query.get("v"), path = query.get("p") || "", title = query.get("t") || "";
  var root = new URL("../", location.href);

  function set(id, text) { document.getElementById(id).textContent = text; }
  function link(text, href) {
    var a = document.createElement("a");
    a.href = href; a.textContent = text;
    return a;
  }
  function verdict(state, headline, detail) {
    var box = document.getElementById("verdict");
    box.className = "verdict " + state;
    box.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = headline;
    box.appendChild(strong);
    if (detail) box.appendChild(document.createTextNode(detail));
  }

  function pageTitle() {
    if (title || !version || !path) return Promise.resolve(title);
    return fetch(new URL(version + "/" + path, root).href).then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {   // "<page> - <site name>", as Material writes it
        var name = new DOMParser().parseFromString(html, "text/html").title, end = name.lastIndexOf(" - ");
        return (end > 0 ? name.slice(0, end) : name).trim();
      }).catch(function () { return ""; });
  }

  var versions = fetch(new URL("versions.json", root).href, { cache: "no-cache" }).then(function (r) { return r.json(); })
    .then(status.fromVersionsJson);
  Promise.all([versions, pageTitle()]).then(function (found) {
      var list = found[0];
      title = found[1];
      var today = status.localToday();
      var current = status.inForce(list, today);
      var rows = document.getElementById("versions");
      list.forEach(function (item) {
        var tr = document.createElement("tr");
        [item.title + "（" + item.version + "）", item.effective, status.NAMES[status.stateOf(item.version, list, today)]].forEach(function (text, i) {
          var td = document.createElement("td");
          if (i === 0) td.appendChild(link(text, new URL(item.version + "/", root).href)); else td.textContent = text;
          tr.appendChild(td);
        });
        rows.appendChild(tr);
      });
      var actions = document.getElementById("actions");
      var currentLink = current ? new URL(current.version + "/" + path, root).href : new URL("latest/", root).href;
      if (!version) {
        set("subject", "整本手册：今天（" + today + "）的现行版本如下。");
        if (current) verdict("in_force", "现行版本：" + current.title, "（" + current.effective + " 起生效）");
        actions.appendChild(link("打开现行版本", currentLink));
        return;
      }
      var item = list.filter(function (i) { return i.version === version; })[0];
      set("subject", "您核对的是：《办事处营运手册》" + (item ? item.title : version) + (title ? " 中的 " + title : "") + "。今天是 " + today + "。");
      if (!item) {
        verdict("unknown", "没有这个已发布的版本", "：这份打印件不是从已发布的手册打印的，不得使用。");
      } else {
        var state = status.stateOf(version, list, today);
        if (state === "in_force") verdict("in_force", "现行", "：可以按这份打印件执行。");
        else if (state === "superseded") verdict("superseded", "已被替代", "：现行为 " + current.title + "（" + current.effective + " 起生效）。请销毁这份打印件，改用现行版本。");
        else if (state === "pending") verdict("pending", "尚未生效", "：" + item.effective + " 起执行；在此之前按" + (current ? "现行的 " + current.title : "现行版本") + "执行。");
        else if (state === "withdrawn") verdict("withdrawn", "已撤销", "：" + item.withdrawn + " 撤销" + (item.withdrawalNotice ? "（" + item.withdrawalNotice + "）" : "") + "，从未生效，不得使用。");
      }
      if (item && path) actions.appendChild(link("打开本修订中的这一页", new URL(item.version + "/" + path, root).href));
      if (current && (!item || current.version !== item.version)) {
        actions.appendChild(document.createTextNode("　"));
        actions.appendChild(link("打开现行版本中的这一页", currentLink));
      }
    }).catch(function () {
      verdict("unknown", "无法读取已发布版本的清单", "：请稍后再试，或联系手册归口管理部门。");
    });
})();
