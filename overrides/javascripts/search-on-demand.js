/* Material's bundle fetches the search index (the whole manual's words, several hundred KB) on every first page
   view, before anyone searches. Loaded before the bundle, this holds that one request back until the reader goes
   to the search box (focus by click, tap or Material's keyboard shortcut, or the search icon on a phone); every
   other request is left alone. The first search then waits for the index once. */
(function () {
  "use strict";
  var open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
  var release;
  var wanted = new Promise(function (resolve) { release = resolve; });

  function isSearchIndex(url) { return /\/search\/search_index\.json(?:[?#]|$)/.test(url); }
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("[data-md-component=search-query]")) release();
  }, true);
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "__search") release();
  }, true);

  /* Material requests it with XMLHttpRequest (rxjs' ajax). */
  XMLHttpRequest.prototype.open = function (method, url) {
    this.manualSearchIndex = isSearchIndex(String(url));
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    var request = this, args = arguments;
    if (!request.manualSearchIndex) return send.apply(request, args);
    wanted.then(function () { send.apply(request, args); });
  };
})();
