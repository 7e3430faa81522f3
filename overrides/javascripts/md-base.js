/* Material 9.8.1's partials/javascripts/base.html, unchanged but for where the scope comes from (a data
   attribute of this script, instead of a value written into an inline script). */
(function (script) {
  window.__md_scope = new URL(script.dataset.mdScope, location);
  window.__md_hash = e => [...e].reduce(((e, _) => (e << 5) - e + _.charCodeAt(0)), 0);
  window.__md_get = (e, _ = localStorage, t = __md_scope) => JSON.parse(_.getItem(t.pathname + "." + e));
  window.__md_set = (e, _, t = localStorage, a = __md_scope) => { try { t.setItem(a.pathname + "." + e, JSON.stringify(_)) } catch (e) {} };
})(document.currentScript);
