"""What the cache folder keeps between builds (opsmanual.cache) is what would be made again: the pages the
macros plugin compiles render as they render uncached, a second build reads them, and a different text or syntax
is compiled anew."""

from __future__ import annotations

import jinja2
import pytest

from opsmanual import cache

PAGE = "# {{ company.name }}\n\n{% for step in steps %}{{ loop.index }}. {{ step }}\n{% endfor %}"
VALUES = {"company": {"name": "衡远"}, "steps": ["登记", "回访"]}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache.bytecode_cache.cache_clear()
    yield tmp_path / "opsmanual" / "jinja"
    cache.bytecode_cache.cache_clear()


def environment(**options) -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, **options)
    cache.compiling_once(env)
    return env


def test_a_page_compiled_once_renders_as_it_does_uncached_and_is_read_back(folder, monkeypatch):
    expected = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(PAGE).render(**VALUES)
    assert environment().from_string(PAGE).render(**VALUES) == expected
    assert len(list(folder.iterdir())) == 1

    def compile_again(*args, **kwargs):
        raise AssertionError("compiled again")

    env = environment()
    monkeypatch.setattr(env, "compile", compile_again)
    assert env.from_string(PAGE).render(**VALUES) == expected  # from the cache folder, not compiled

    with pytest.raises(AssertionError, match="compiled again"):
        env.from_string(PAGE + "改了")  # another text: compiled
    other = environment(variable_start_string="[[", variable_end_string="]]")
    monkeypatch.setattr(other, "compile", compile_again)
    with pytest.raises(AssertionError, match="compiled again"):
        other.from_string(PAGE)  # the same text in another syntax: compiled, not the first one's code


@pytest.mark.parametrize("damage", ["truncated", "other checksum", "not Jinja's"])
def test_a_damaged_cache_file_is_compiled_again_not_trusted(folder, damage):
    """The cache folder's files are read whole (cache.bytecode_cache): one cut short by a full disk, written for
    another source, or not Jinja's at all is compiled again and renders right."""
    expected = environment().from_string(PAGE).render(**VALUES)
    (file,) = folder.iterdir()
    data = file.read_bytes()
    if damage == "truncated":
        file.write_bytes(data[: len(data) - 40])
    elif damage == "other checksum":  # another page's compiled code: valid, but not this source's
        environment().from_string("另一页")
        (other,) = set(folder.iterdir()) - {file}
        file.write_bytes(other.read_bytes())
    else:
        file.write_bytes(b"not a compiled template")
    compiled = []
    env = environment()
    original = env.compile
    env.compile = lambda *args, **kwargs: compiled.append(1) or original(*args, **kwargs)
    assert env.from_string(PAGE).render(**VALUES) == expected
    assert compiled == [1]


def test_a_syntax_error_is_raised_as_jinja_raises_it(folder):
    with pytest.raises(jinja2.TemplateSyntaxError, match="Unexpected end of template"):
        environment().from_string("{% for x in y %}")


def test_a_minified_page_is_kept_by_its_content_and_minified_anew_when_it_changes(tmp_path, monkeypatch):
    from opsmanual.site import minify

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    page = "<!DOCTYPE html>\n<html>\n  <head>\n    <title>值班</title>\n  </head>\n  <body>\n    <p>交接  班</p>\n  </body>\n</html>\n"
    first = minify.minify_page(page)
    assert first == minify.minified(page) and len(first) < len(page)
    assert len(list((tmp_path / "opsmanual" / "minified").iterdir())) == 1

    def minified_again(html):
        raise AssertionError("minified again")

    monkeypatch.setattr(minify, "minified", minified_again)
    assert minify.minify_page(page) == first  # read back, not minified
    with pytest.raises(AssertionError, match="minified again"):
        minify.minify_page(page.replace("交接", "接班"))


def test_trim_drops_the_least_recently_used_entries_of_a_folder_past_its_limit(tmp_path, monkeypatch):
    import os

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    for n in range(10):
        cache.stored("trimmed", f"k{n}", lambda n=n: "字" * 300)
        os.utime(cache.folder("trimmed") / f"k{n}.json", (1000 + n, 1000 + n))
    cache.stored("small", "only", lambda: "一")
    assert cache.stored("trimmed", "k0", lambda: "made again") == "字" * 300  # a hit: k0 is now the newest
    size = (cache.folder("trimmed") / "k0.json").stat().st_size

    cache.trim(limit=size * 8, force=True)
    kept = sorted(p.stem for p in cache.folder("trimmed").iterdir())
    assert kept == ["k0", "k5", "k6", "k7", "k8", "k9"]  # down to 3/4 of the limit, the oldest first, k0 kept
    assert [p.stem for p in cache.folder("small").iterdir()] == ["only"]  # under its limit: untouched
    cache.stored("trimmed", "k10", lambda: "字" * 300)
    cache.trim(limit=size * 8, force=True)
    assert len(list(cache.folder("trimmed").iterdir())) == 7  # past 3/4 but not the limit: nothing goes


def test_a_process_trims_once_it_has_written_and_again_after_an_eighth_of_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(cache, "_written", 0)
    monkeypatch.setattr(cache, "_trimmed_at", None)
    listed = []
    folder = cache.folder

    def whole_cache_or(name):  # trim() lists the whole cache folder, folder(""); stored() asks for its own
        if name == "":
            listed.append(name)
        return folder(name)

    monkeypatch.setattr(cache, "folder", whole_cache_or)
    limit = 8000

    cache.trim(limit)
    assert listed == []  # nothing written: nothing can have grown
    cache.stored("entries", "a", lambda: "字" * 100)
    cache.trim(limit)
    assert listed == [""]  # the first trim of a process that wrote
    listed.clear()
    cache.stored("entries", "b", lambda: "字" * 100)
    cache.trim(limit)
    assert listed == []  # a few bytes more: not listed again
    cache.stored("entries", "c", lambda: "字" * (limit // 8))
    cache.trim(limit)
    assert listed == [""]  # an eighth of the limit written since: trimmed again
