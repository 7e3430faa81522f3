"""`manual serve`: the editor's preview, which shows an edit at once and stays up whatever is wrong with a page,
a macro or a YAML file.

An edit shows at once. A save is seen through inotify (mkdocs' own server polls every half second). The pages open
in a browser (their livereload polls name them) are rendered first, in this process, which keeps what it has
worked out from the files that did not change (opsmanual.cache), and the browsers reload them. The whole site is
then built in a forked process into a new folder, which replaces the served one when it is complete; until then a
page that was not rendered again waits for it instead of being served stale. A new save stops that build and
starts over, so saves never queue builds. When the whole site differs from what a browser shows (a page's
neighbours, a stylesheet), the browsers reload once more.

mkdocs' own server exits when the first build fails and, when a later one fails, keeps every browser waiting until
the files are fixed. Here a failed build is shown: every page of the preview becomes a page that says, in Chinese,
which file and line are wrong, and it reloads by itself when the editor has fixed them. The preview is a draft
(every page says so); strict failure is for `check`, `publish` and CI.
"""

from __future__ import annotations

import filecmp
import html
import logging
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
import traceback
from pathlib import Path
from urllib.parse import unquote, urlsplit

from mkdocs.commands.build import _build_page, _populate_page, build, get_files, get_navigation, set_exclusions
from mkdocs.config import load_config
from mkdocs.livereload import LiveReloadServer, _serve_url, _timestamp
from mkdocs.structure.files import InclusionLevel
from mkdocs.structure.pages import Page
from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

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

OPEN_FOR = 90.0  # seconds a page counts as open after its last livereload poll (a poll is answered within 60 s)
MOST_OPEN = 1  # pages rendered ahead of the whole site: the one polled last, the page the editor looks at
WAIT_FOR_SITE = 300.0  # seconds a request for a page not rendered ahead waits for the whole site
#: What a browser may take from the previous site while the new one is being built: nothing that says what the
#: manual says (pages, the search index), only the theme's files, which a change to the site would reload.
CHANGES = {"created", "modified", "moved", "deleted"}  # watchdog's event types that change a file
STATIC = (".css", ".js", ".svg", ".png", ".jpg", ".gif", ".webp", ".ico", ".woff", ".woff2", ".ttf", ".map")


class CapturingHandler(logging.Handler):
    """Collects the warnings and errors of one build, to show them in the browser."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(translate(record.getMessage()))


def problems_of(capture: CapturingHandler, exc: BaseException) -> list[str]:
    return [line for line in capture.lines if line] or [translate(str(exc)) or traceback.format_exc(limit=3)]


def page_url(path: str) -> str:
    """A request's or a referrer's path as mkdocs names the page: "02-service/", "" for the home page."""
    path = unquote(path).lstrip("/")
    return path.removesuffix("index.html")


def serve_config(config_file: str, site_dir: str, address: str, serve_url: str):
    config = load_config(config_file, site_dir=site_dir, dev_addr=address)
    config.plugins.on_startup(command="serve", dirty=False)
    config.site_url = serve_url
    return config


def build_site(config_file: str, site_dir: str, address: str, serve_url: str) -> list[str] | None:
    """The whole preview site into site_dir; None, or the problems that stopped it (in Chinese)."""
    capture = CapturingHandler()
    logging.getLogger("mkdocs").addHandler(capture)
    try:
        build(serve_config(config_file, site_dir, address, serve_url), serve_url=serve_url)
        return None
    except BaseException as exc:  # any failure of a page, macro (its SystemExit too) or YAML is shown, not fatal
        if isinstance(exc, KeyboardInterrupt):
            raise
        return problems_of(capture, exc)
    finally:
        logging.getLogger("mkdocs").removeHandler(capture)


def render_pages(config_file: str, site_dir: str, address: str, serve_url: str, urls: list[str]) -> list[str]:
    """Only the pages at urls, into site_dir, from the files as they are now: mkdocs' build up to the pages, with
    every page read (the navigation needs their titles) and only these rendered; the pages rendered. The same page
    as the whole build's (tests/test_serve.py compares them)."""
    config = serve_config(config_file, site_dir, address, serve_url)
    search = config.plugins.get("material/search") or config.plugins.get("search")
    events = config.plugins.events  # the search index is not written here: the search plugin need not read pages
    events["page_context"] = [
        event for event in events["page_context"] if getattr(event, "__self__", None) is not search
    ]
    config = config.plugins.on_config(config)
    config.plugins.on_pre_build(config=config)
    files = get_files(config)  # not the theme's files: only a build that copies them needs them
    env = config.theme.get_env()
    files = config.plugins.on_files(files, config=config)
    set_exclusions(files, config)
    nav = get_navigation(files, config)
    nav = config.plugins.on_nav(nav, config=config, files=files)
    pages = files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
    wanted = []
    for file in pages:
        if file.page is None and file.inclusion.is_not_in_nav():
            Page(None, file, config)
        if file.url in urls:
            wanted.append(file)
            _populate_page(file.page, config, files)
        else:
            file.page.read_source(config)
    env = config.plugins.on_env(env, config=config, files=files)
    for file in wanted:
        _build_page(file.page, config, pages, nav, env, excluded=file.inclusion.is_excluded())
    return [file.url for file in wanted]


def _build_in_child(config_file: str, site_dir: str, address: str, serve_url: str, problems_file: str) -> None:
    """In the forked process: the whole site, its problems written to problems_file (exit code 1)."""
    problems = build_site(config_file, site_dir, address, serve_url)
    if problems is not None:
        Path(problems_file).write_text("\n".join(problems), encoding="utf-8")
        os._exit(1)
    os._exit(0)


class PreviewServer(LiveReloadServer):
    """mkdocs' live-reload server that shows a build error instead of hanging on it, notices saves at once, knows
    which pages browsers have open, and holds back a page that is not yet rebuilt."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.observer = Observer()  # inotify: a save is seen when it happens
        self.build_delay = 0.05  # then a burst of saves (an editor's write and rename) is one change
        self.error: str | None = None
        self.opened: dict[str, float] = {}  # page url -> when a browser on it last polled
        self.ahead: set[str] = set()  # pages rendered for the change, before the whole site
        self.complete = threading.Event()  # the served folder is the whole site of the latest change
        self.complete.set()
        self._files_watched: dict[str, set[str]] = {}  # folder -> the names of the files watched in it

    def watch(self, path: str, func: None = None, *, recursive: bool = True) -> None:
        """A folder, or a file through its folder (an editor that saves by writing a new file and renaming it over
        the old one replaces the file inotify would follow). Only changes count: inotify also reports every file
        a build opens and reads, which would rebuild for ever."""
        path = os.path.abspath(path)
        folder, name = os.path.split(path) if os.path.isfile(path) else (path, None)
        names = self._files_watched.get(folder)
        if names is None:
            names = self._files_watched[folder] = set()
            handler = FileSystemEventHandler()

            def changed(event, names=names):
                if event.is_directory or event.event_type not in CHANGES:
                    return
                touched = {os.path.basename(getattr(event, attr, "") or "") for attr in ("src_path", "dest_path")}
                if None in names or touched & names:
                    with self._rebuild_cond:
                        self._want_rebuild = True
                        self._rebuild_cond.notify_all()

            handler.on_any_event = changed
            self._watch_refs[folder] = self.observer.schedule(handler, folder, recursive=name is None)
        names.add(name)  # None: everything under the folder
        self._watched_paths[path] = 1

    def open_pages(self) -> list[str]:
        """The pages polled lately, the latest first, at most MOST_OPEN."""
        now = time.monotonic()
        recent = [url for url, seen in sorted(self.opened.items(), key=lambda item: -item[1]) if now - seen < OPEN_FOR]
        return recent[:MOST_OPEN]

    def reload_browsers(self) -> None:
        """Tell the open pages to reload (unless a change is being built: its end will)."""
        with self._epoch_cond:
            if self._visible_epoch == self._wanted_epoch:
                self._visible_epoch = self._wanted_epoch = _timestamp()
                self._epoch_cond.notify_all()

    def _serve_request(self, environ, start_response):
        path = environ["PATH_INFO"].encode("latin-1").decode("utf-8", "ignore")
        if path.startswith("/livereload/"):
            referrer = environ.get("HTTP_REFERER")
            if referrer:
                self.opened[page_url(urlsplit(referrer).path)] = time.monotonic()
            return super()._serve_request(environ, start_response)
        if self.error is not None and path.endswith(("/", ".html")):
            content = self._inject_js_into_html(self.error.encode("utf-8"), self._visible_epoch)
            start_response(
                "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(content)))]
            )
            return [content]
        if not self.complete.is_set() and not path.endswith(STATIC) and page_url(path) not in self.ahead:
            self.complete.wait(WAIT_FOR_SITE)
        return super()._serve_request(environ, start_response)


class Preview:
    """The preview's builds: the pages open first, then the whole site in a forked process, which the next change
    stops."""

    def __init__(self, project: Project, address: str):
        host, _, port = address.rpartition(":")
        self.config_file = str(project.root / "mkdocs.yml")
        self.address = address
        self.serve_url = _serve_url(host, int(port), "/")
        self.site = tempfile.mkdtemp(prefix="manual-serve-")
        self.lock = threading.Lock()
        self.generation = 0
        self.child: multiprocessing.process.BaseProcess | None = None
        self.server = PreviewServer(builder=self.rebuild, host=host, port=int(port), root=self.site)

    def show(self, problems: list[str] | None) -> None:
        if problems is None:
            self.server.error = None
            return
        self.server.error = ERROR_PAGE.format(problems=html.escape("\n".join(problems)))
        log.error("预览生成失败，浏览器中显示错误；改好文件后自动恢复：\n  " + "\n  ".join(problems))

    def first_build(self) -> None:
        self.show(build_site(self.config_file, self.site, self.address, self.serve_url))

    def rebuild(self) -> None:
        """The server's builder, once per burst of saves: the open pages now, the whole site in the background."""
        server = self.server
        with self.lock:
            self.generation += 1
            self._stop_child()
            server.complete.clear()
            server.ahead = set()
        pages = server.open_pages()
        if pages:
            started = time.monotonic()
            capture = CapturingHandler()
            logging.getLogger("mkdocs").addHandler(capture)
            try:
                server.ahead = set(render_pages(self.config_file, self.site, self.address, self.serve_url, pages))
                self.show(None)
                log.info(
                    f"已先更新打开的页面（{time.monotonic() - started:.2f} 秒）：{'、'.join(u or '首页' for u in pages)}；"
                    "正在生成其余页面"
                )
            except BaseException as exc:  # as in build_site; the whole site would fail the same way
                if isinstance(exc, KeyboardInterrupt):
                    raise
                self.show(problems_of(capture, exc))
                server.complete.set()
                return
            finally:
                logging.getLogger("mkdocs").removeHandler(capture)
        self._start_child(self.generation)

    def _stop_child(self) -> None:
        if self.child is not None and self.child.is_alive():
            self.child.kill()
            self.child.join()
        self.child = None

    def _start_child(self, generation: int) -> None:
        target = tempfile.mkdtemp(prefix="manual-serve-")
        problems_file = target + ".problems"
        child = multiprocessing.get_context("fork").Process(
            target=_build_in_child,
            args=(self.config_file, target, self.address, self.serve_url, problems_file),
            daemon=True,
        )
        with self.lock:
            if generation != self.generation:
                shutil.rmtree(target, ignore_errors=True)
                return
            child.start()
            self.child = child
        threading.Thread(target=self._finish, args=(child, target, problems_file, generation), daemon=True).start()

    def _finish(self, child, target: str, problems_file: str, generation: int) -> None:
        child.join()
        server = self.server
        with self.lock:
            if generation != self.generation:  # a newer change: its own build replaces this one
                shutil.rmtree(target, ignore_errors=True)
                Path(problems_file).unlink(missing_ok=True)
                return
            if child.exitcode == 0:
                shown_differs = differs(Path(self.site), Path(target), server.ahead)
                old, self.site = self.site, target
                server.root = target
                self.show(None)
                shutil.rmtree(old, ignore_errors=True)
            else:
                shown_differs = True
                problems = Path(problems_file)
                self.show(
                    problems.read_text(encoding="utf-8").splitlines()
                    if problems.is_file()
                    else [
                        f"生成站点的进程意外退出（退出码 {child.exitcode}）：再保存一次文件重试；仍然如此时运行 ./manual check 查看原因"
                    ]
                )
                problems.unlink(missing_ok=True)
                shutil.rmtree(target, ignore_errors=True)
            server.ahead = set()
            server.complete.set()
        if shown_differs:
            server.reload_browsers()

    def close(self) -> None:
        with self.lock:
            self.generation += 1
            self._stop_child()
        self.server.shutdown()
        shutil.rmtree(self.site, ignore_errors=True)


def differs(shown: Path, built: Path, pages: set[str]) -> bool:
    """Whether what an open page shows differs between the folder served and the whole site built: the pages
    rendered ahead, and the theme's files (a page rendered ahead shows the neighbours only by name)."""
    for url in pages:
        page = Path(url, "index.html") if not url or url.endswith("/") else Path(url)
        if not _same(shown / page, built / page):
            return True
    for file in built.rglob("*"):
        if file.suffix in STATIC and not _same(shown / file.relative_to(built), file):
            return True
    return False


def _same(a: Path, b: Path) -> bool:
    try:
        return filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def show_progress() -> None:
    """mkdocs' messages on the terminal, as `mkdocs serve` shows them (not the macros plugin's list of variables)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logging.getLogger("mkdocs.plugins.macros").setLevel(logging.WARNING)


def serve(project: Project, address: str) -> int:
    show_progress()
    preview = Preview(project, address)
    preview.first_build()
    server = preview.server
    for path in (
        project.docs_dir,
        project.root / "mkdocs.yml",
        project.forms_dir,
        project.facts_dir,
        project.register_file,
        project.roster_file,
        project.root / "overrides",
    ):
        if Path(path).exists():
            server.watch(str(path))
    log.info(f"草稿预览：{preview.serve_url}")
    try:
        server.serve()
    except KeyboardInterrupt:
        log.info("预览已停止")
    finally:
        preview.close()
    return 0
