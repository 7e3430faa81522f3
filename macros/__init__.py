"""mkdocs-macros entry point: registers the manual's macros. The work is done in macros.rendering.

In a page: {{ form("SOS-01") }} embeds a form, {{ form_link("SOS-01") }} links to it; the generated
pages (annex 1, the register, what changed, the revision kits) call the others.
"""
from __future__ import annotations

from .rendering import Renderer

MACROS = ("form", "form_link", "form_page", "forms_index", "print_all_forms",
          "revision_register", "revision_changes", "revision_kit")


def define_env(env):
    plugin = env.conf.plugins["opsmanual"]
    env.variables.update(plugin.facts.variables())
    for name in MACROS:
        env.macro(_for_current_page(plugin, env, name), name)


#: Macros whose result is Markdown; the others make HTML.
MARKDOWN_MACROS = frozenset({"form_link"})


def _for_current_page(plugin, env, name):
    """A macro that calls Renderer.<name> for the page being rendered.

    HTML is handed to the plugin, which puts it into the page after the Markdown conversion
    (ManualPlugin.defer): Markdown would only pass it through untouched, at a high cost."""
    if name in MARKDOWN_MACROS:
        def macro(*args, **kwargs):
            return getattr(Renderer(plugin, env.page), name)(*args, **kwargs)
    else:
        def macro(*args, **kwargs):
            return plugin.defer(getattr(Renderer(plugin, env.page), name)(*args, **kwargs))
    macro.__doc__ = getattr(Renderer, name).__doc__
    return macro
