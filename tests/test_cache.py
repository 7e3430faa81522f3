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


def test_a_syntax_error_is_raised_as_jinja_raises_it(folder):
    with pytest.raises(jinja2.TemplateSyntaxError, match="Unexpected end of template"):
        environment().from_string("{% for x in y %}")
