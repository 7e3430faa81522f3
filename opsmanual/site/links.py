"""Links for the renderer inside an mkdocs build: URLs of the build's pages relative to the page being rendered,
and of other published versions beside this one (mike's layout: one folder per version under the site root)."""

from __future__ import annotations

from mkdocs.structure.files import Files
from mkdocs.utils import get_relative_url


class PageLinks:
    def __init__(self, files: Files, page_url: str, page_src: str = ""):
        self.files = files
        self.page_url = page_url
        self.page_src = page_src

    def source_link(self, src: str) -> str:
        """A Markdown link target: the page's source file relative to this page's source (mkdocs resolves it)."""
        return get_relative_url(src, self.page_src)

    def url(self, src: str) -> str:
        path, _, anchor = src.partition("#")
        file = self.files.get_file_from_path(path)
        if file is None:
            raise KeyError(f"本次构建中没有页面 {path}")
        url = get_relative_url(file.url, self.page_url)
        return f"{url}#{anchor}" if anchor else url

    def version_url(self, version) -> str:
        return get_relative_url("", self.page_url).rstrip("/") + f"/../{version}/"

    def title(self, src: str) -> str:
        file = self.files.get_file_from_path(src.partition("#")[0])
        page = getattr(file, "page", None)
        return page.title if page is not None and page.title else src
