"""`manual serve`: the editor's preview, which stays up whatever is wrong with a page, a macro or a YAML file.

mkdocs' own server exits when the first build fails and, when a later one fails, keeps every browser waiting
until the files are fixed. Here a failed build is shown: every page of the preview becomes a page that says,
in Chinese, which file and line are wrong, and it reloads by itself when the editor has fixed them. The preview
is a draft (every page says so); strict failure is for `check`, `publish` and CI.
"""
from __future__ import annotations

import html
import logging
import shutil
import tempfile
import threading
import traceback
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.livereload import LiveReloadServer, _serve_url

from .messages import translate
from .project import Project

log = logging.getLogger("mkdocs.opsmanual.serve")

ERROR_PAGE = """<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>预览出错 · 办事处营运手册</title>
<style>body{{font:16px/1.7 "Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2rem auto;max-width:52rem;padding:0 1rem;color:#222}}
h1{{color:#b71c1c;font-size:1.4rem}}pre{{white-space:pre-wrap;background:#fff3e0;border-left:4px solid #e65100;padding:1rem}}</style></head>
<body><h1>草稿预览暂时无法生成</h1>
<p>手册的某个文件有错误。改好并保存后，本页会自动刷新为手册页面。</p>
<pre>{problems}</pre>
<p><small>发布和 CI 使用严格检查（manual check），同样的错误会阻止发布。</small></p>
</body></html>
"""


class CapturingHandler(logging.Handler):
    """Collects the warnings and errors of one build, to show them in the browser."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(translate(record.getMessage()))


class PreviewServer(LiveReloadServer):
    """mkdocs' live-reload server that shows a build error instead of hanging on it."""

    error: str | None = None

    def _serve_request(self, environ, start_response):
        path = environ["PATH_INFO"]
        if self.error is not None and not path.startswith("/livereload/") and path.endswith(("/", ".html")):
            content = self._inject_js_into_html(self.error.encode("utf-8"), self._visible_epoch)
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(content)))])
            return [content]
        return super()._serve_request(environ, start_response)


def serve(project: Project, address: str) -> int:
    host, _, port = address.rpartition(":")
    site_dir = tempfile.mkdtemp(prefix="manual-serve-")
    config_file = str(project.root / "mkdocs.yml")
    serve_url = _serve_url(host, int(port), "/")
    server_box: dict = {}
    lock = threading.Lock()

    def builder(config=None) -> None:
        capture = CapturingHandler()
        logging.getLogger("mkdocs").addHandler(capture)
        try:
            if config is None:
                config = load_config(config_file, site_dir=site_dir, dev_addr=address)
                config.plugins.on_startup(command="serve", dirty=False)
            config.site_url = serve_url
            with lock:
                build(config, serve_url=serve_url)
            error = None
        except BaseException as exc:  # any failure of a page, macro or YAML is shown, not fatal
            if isinstance(exc, KeyboardInterrupt):
                raise
            lines = [line for line in capture.lines if line] or [translate(str(exc)) or traceback.format_exc(limit=3)]
            error = ERROR_PAGE.format(problems=html.escape("\n".join(lines)))
            log.error("预览生成失败，浏览器中显示错误；改好文件后自动恢复：\n  " + "\n  ".join(lines))
        finally:
            logging.getLogger("mkdocs").removeHandler(capture)
        server = server_box.get("server")
        if server is not None:
            server.error = error
        server_box["error"] = error

    server = PreviewServer(builder=builder, host=host, port=int(port), root=site_dir)
    server_box["server"] = server
    builder()
    server.error = server_box.get("error")
    for path in (project.docs_dir, project.root / "mkdocs.yml", project.forms_dir, project.facts_dir,
                 project.register_file, project.roster_file, project.root / "overrides"):
        if Path(path).exists():
            server.watch(str(path))
    log.info(f"草稿预览：{serve_url}")
    try:
        server.serve()
    except KeyboardInterrupt:
        log.info("预览已停止")
    finally:
        server.shutdown()
        shutil.rmtree(site_dir, ignore_errors=True)
    return 0
