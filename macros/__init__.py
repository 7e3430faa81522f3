"""mkdocs-macros entry point: registers the manual's macros. The work is done in macros.rendering."""
from __future__ import annotations

from .rendering import Renderer


def define_env(env):
    plugin = env.conf.plugins["opsmanual"]

    def renderer() -> Renderer:
        return Renderer(plugin, env.page)

    @env.macro
    def form(code: str) -> str:
        """Embed a checklist or form in the page that uses it."""
        return renderer().form(code)

    @env.macro
    def form_link(code: str) -> str:
        """A Markdown link to a form's own page, with its code and title."""
        return renderer().form_link(code)

    @env.macro
    def form_page(code: str) -> str:
        return renderer().form_page(code)

    @env.macro
    def forms_index() -> str:
        return renderer().forms_index()

    @env.macro
    def print_all_forms() -> str:
        return renderer().print_all_forms()

    @env.macro
    def revision_register() -> str:
        return renderer().revision_register()

    @env.macro
    def revision_changes(version: str) -> str:
        return renderer().revision_changes(version)

    @env.macro
    def revision_kit(version: str) -> str:
        return renderer().revision_kit(version)
