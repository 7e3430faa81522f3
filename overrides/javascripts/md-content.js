/* Material 9.8.1's partials/javascripts/content.html, unchanged (the tabs part only with content.tabs.link). */
(function (script) {
  if (script.hasAttribute("data-md-tabs-link")) {
    var tabs = __md_get("__tabs");
    if (Array.isArray(tabs)) e: for (var set of document.querySelectorAll(".tabbed-set")) {
      var labels = set.querySelector(".tabbed-labels");
      for (var tab of tabs) for (var label of labels.getElementsByTagName("label")) if (label.innerText.trim() === tab) {
        var input = document.getElementById(label.htmlFor); input.checked = !0; continue e;
      }
    }
  }
  var target = document.getElementById(location.hash.slice(1));
  target && target.name && (target.checked = target.name.startsWith("__tabbed_"));
})(document.currentScript);
