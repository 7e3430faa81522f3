/* The state of a published revision on a day — pending, in force, superseded, withdrawn — as the pages and the
   currency check page compute it from versions.json. The same rules as opsmanual/control/status.py; both are
   tested against tests/data/status_cases.json. */
(function () {
  "use strict";
  var NAMES = { draft: "草稿", pending: "尚未生效", in_force: "现行", superseded: "已被替代", withdrawn: "已撤销" };

  function compare(a, b) {
    var x = String(a).split(".").map(Number), y = String(b).split(".").map(Number);
    return x[0] - y[0] || x[1] - y[1];
  }
  function isWithdrawn(item, today) { return !!item.withdrawn && item.withdrawn <= today; }
  function inForce(list, today) {
    var found = null;
    list.forEach(function (item) {
      if (item.effective <= today && !isWithdrawn(item, today) && (!found || compare(item.version, found.version) > 0)) found = item;
    });
    return found;
  }
  function stateOf(version, list, today) {
    var item = list.filter(function (i) { return String(i.version) === String(version); })[0];
    if (!item) return "draft";
    if (isWithdrawn(item, today)) return "withdrawn";
    if (item.effective > today) return "pending";
    var current = inForce(list, today);
    return current && String(current.version) === String(version) ? "in_force" : "superseded";
  }
  function pendingOf(list, today) {
    return list.filter(function (i) { return i.effective > today && !isWithdrawn(i, today); })
      .sort(function (a, b) { return compare(a.version, b.version); });
  }
  function localToday() {
    var now = new Date();
    return now.getFullYear() + "-" + String(now.getMonth() + 1).padStart(2, "0") + "-" + String(now.getDate()).padStart(2, "0");
  }
  /* versions.json as a list of {version, title, effective, withdrawn, …}. */
  function fromVersionsJson(data) {
    return data.map(function (v) {
      var p = v.properties || {};
      return { version: String(v.version), title: v.title, aliases: v.aliases || [], effective: p.effective || "0000-00-00",
               issued: p.issued, withdrawn: p.withdrawn || null, withdrawalNotice: p.withdrawal_notice || "",
               changed: p.changed || [], notice: p.notice || "" };
    });
  }
  window.manualStatus = { NAMES: NAMES, stateOf: stateOf, inForce: inForce, pendingOf: pendingOf, localToday: localToday,
                          fromVersionsJson: fromVersionsJson, compare: compare };
})();
