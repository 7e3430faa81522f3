"""Shared fixtures: projects in temporary folders (the real manual, or a small one for publishing tests), git
repositories, the `manual` command run as an editor runs it, real builds, and one browser per module.

The expensive things are made once per test run and shared, also between the processes pytest-xdist runs the
suite in (`./manual test` runs one per core): a strict build of the real manual (`real_site`), a small manual
with its first revision published (`mini_published_template`), and the shipped history published with its PDFs
into a scratch repository (`history`). The first process that needs one makes it under a file lock in the run's
shared temporary folder; the others wait for it and read it. The history takes two minutes, so it is started
in the background when the run starts, and the tests that read it are run last.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from filelock import FileLock

from opsmanual.render.diagrams import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).resolve().parent / "fixtures" / "mini"
PROJECT_FILES = (
    "docs",
    "checklists",
    "facts",
    "overrides",
    "history",
    "mkdocs.yml",
    "revisions.yml",
    "roster.yml",
    "search-dictionary.txt",
    ".gitignore",
)
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "总部编辑",
    "GIT_AUTHOR_EMAIL": "editor@manual.invalid",
    "GIT_COMMITTER_NAME": "总部编辑",
    "GIT_COMMITTER_EMAIL": "editor@manual.invalid",
}
ENV = {"NO_MKDOCS_2_WARNING": "1", "PYTHONDONTWRITEBYTECODE": "1", **GIT_IDENTITY}
# The tests of how publishing refuses, resumes and pushes publish without the PDF edition (opsmanual/publish/
# faults.py); those of the edition and of the published tree publish with it (FULL).
QUICK = {"MANUAL_PUBLISH_PDF": "0"}
FULL = {"MANUAL_PUBLISH_PDF": "1"}
ARTEFACTS = Path(os.environ.get("MANUAL_ARTEFACTS") or ROOT / "test-artefacts")


def copy_project(target: Path) -> Path:
    """The real manual's sources (not the venv, not git) copied into target."""
    target.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, target / name)
    return target


def mini_project(target: Path) -> Path:
    """A small manual (tests/fixtures/mini: two pages, three forms, a 1.0 register) with the real theme and the
    real mkdocs.yml, its navigation cut down to the two pages: fast to build and publish."""
    shutil.copytree(MINI, target)
    shutil.copytree(ROOT / "overrides", target / "overrides")
    shutil.copy2(ROOT / ".gitignore", target / ".gitignore")
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = (
        "nav:\n  - 手册使用说明: index.md\n  - 第二章 服务: 02-service.md\n  - 附件一 表格汇编: forms/index.md\n"
        "  - 修订管理: revisions/index.md\n"
    )
    config = config[: config.index("\nnav:\n") + 1] + nav
    (target / "mkdocs.yml").write_text(config, encoding="utf-8")
    return target


def git(repo: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(
        ["git", "-c", "core.quotepath=off", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_IDENTITY},
        check=False,
    )
    if check:
        assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout.strip()


def init_repo(project: Path, message: str = "手册稿件") -> Path:
    git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "add", "-A")
    git(project, "commit", "--quiet", "-m", message)
    return project


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", message)


def manual(repo: Path, *args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """The `manual` command in a repository, as an editor runs it."""
    return subprocess.run(
        [sys.executable, "-m", "opsmanual.cli", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, **ENV, **QUICK, **(env or {})},
        timeout=timeout,
        check=False,
    )


def build(project: Path, site: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """mkdocs build --strict of a project folder; returns the finished process (not checked)."""
    site = site or project / "site"
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, **ENV, **(env or {})},
        check=False,
    )


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def add_entry(project: Path, entry: str) -> None:
    """A register entry (YAML text of one list item, indented by two) put at the top of revisions.yml."""
    register = project / "revisions.yml"
    text = register.read_text(encoding="utf-8")
    register.write_text(text.replace("revisions:\n", "revisions:\n" + entry, 1), encoding="utf-8")


def entry(
    version: str,
    changes: dict[str, str],
    *,
    kind: str = "发文修订",
    notice: str | None = None,
    issued: str = "2025-09-10",
    effective: str = "2025-10-01",
    supersedes: str | None = None,
    retrain: str = "[前台接待员]",
    prepared: str = "售后服务中心 林涛",
    reviewed: str = "运营管理部 周敏",
    approved: str = "销售总部副总经理 何建华",
) -> str:
    notice_line = (
        f"    notice: {notice or '衡总运〔2025〕' + version.replace('.', '') + '号'}\n" if kind == "发文修订" else ""
    )
    supersedes_line = f'    supersedes: "{supersedes}"\n' if supersedes else ""
    lines = "".join(f"      - page: {page}\n        description: {text}\n" for page, text in changes.items())
    return (
        f'  - version: "{version}"\n    kind: {kind}\n{notice_line}    issued: {issued}\n    effective: {effective}\n'
        f"    summary: 第{version}版的修订概要。\n    reason: 第{version}版的修订原因。\n    prepared_by: {prepared}\n"
        f"    reviewed_by: {reviewed}\n    approved_by: {approved}\n    retrain: {retrain}\n{supersedes_line}"
        f"    changes:\n{lines}"
    )


def text_of(html: str) -> str:
    """The words of an HTML page (tags out, whitespace collapsed)."""
    import html as html_module

    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html_module.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def article(path: Path) -> str:
    """The words of a built page's article."""
    page = path.read_text(encoding="utf-8")
    match = re.search(r"<article\b.*?</article>", page, re.DOTALL)
    return text_of(match.group(0) if match else page)


def pdf_bands(pdf: Path, top: float, bottom: float) -> list[dict]:
    """Every page of a PDF read by PDFium (pypdfium2: a second or two for the 263-page edition, where poppler's
    pdftotext took twenty): its size, the text of its top band (`top` points high: the header), its middle and its
    bottom band (`bottom` points: the footer), and the leftmost x of any text, in points."""
    import pypdfium2

    document, pages = pypdfium2.PdfDocument(str(pdf)), []
    for page in document:
        width, height = page.get_size()
        text = page.get_textpage()
        header, body, footer = (
            text.get_text_bounded(0, low, width, high).strip()
            for low, high in ((height - top, height), (bottom, height - top), (0, bottom))
        )
        left = min((text.get_rect(i)[0] for i in range(text.count_rects())), default=None)
        pages.append({"width": width, "height": height, "header": header, "body": body, "footer": footer, "left": left})
    document.close()
    return pages


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture
def mini(tmp_path) -> Path:
    return mini_project(tmp_path / "mini")


@pytest.fixture
def mini_repo(tmp_path) -> Path:
    return init_repo(mini_project(tmp_path / "repo"))


# -- made once per run, shared by every process of it ------------------------------------------------

#: The test modules that read the published history: run after the others, when the history is ready.
READS_HISTORY = ("test_e2e.py", "test_pdf.py", "test_print.py", "test_serving.py")
#: A module that reads another published tree when this variable names one (while working on its tests).
TREE_GIVEN_BY = {"test_e2e.py": "MANUAL_E2E_TREE", "test_print.py": "MANUAL_PRINT_TREE"}
HISTORY_THREAD = pytest.StashKey[threading.Thread]()
TESTS_NICENESS = 10


CONFIG: pytest.Config | None = None  # this process's, for what is made once outside a fixture


def pytest_configure(config):
    global CONFIG
    CONFIG = config


def shared_folder(config) -> Path:
    """The run's temporary folder that every process of it sees: pytest's own, or, in a pytest-xdist worker
    (whose own is <run's>/popen-gwN), its parent."""
    base = config._tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def made_once(config, name: str, make) -> dict:
    """What make(folder) returns (JSON), made in <shared>/<name>/ by the first process that asks, under a file
    lock; a later ask, from this process or another, reads it."""
    folder = shared_folder(config) / name
    done = folder.parent / f"{name}.json"
    with FileLock(str(folder.parent / f"{name}.lock")):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            done.write_text(json.dumps(make(folder), ensure_ascii=False), encoding="utf-8")
    return json.loads(done.read_text(encoding="utf-8"))


def publish_history(folder: Path) -> dict:
    """The shipped history (1.0, 1.1, 1.2 from history/, the newest from the working tree) published into a
    scratch clone with the documented command, and its gh-pages checked out as a web server would have it."""
    repo = folder / "repo"
    skipped = shutil.ignore_patterns(
        ".venv", "node_modules", "__pycache__", ".git", "test-artefacts", ".cache", "*.egg-info"
    )

    def ignore(parent, names):  # the built /site/ of the root, not opsmanual/site/ (the package's own code)
        return set(skipped(parent, names)) | ({"site"} if Path(parent) == ROOT else set())

    shutil.copytree(ROOT, repo, ignore=ignore)
    init_repo(repo, "发布前的仓库")
    result = manual(repo, "publish", env=FULL, timeout=1800)
    tree = folder / "tree"
    if result.returncode == 0:
        git(folder, "clone", "--quiet", "--branch", "gh-pages", "--single-branch", str(repo), str(tree))
    return {
        "repo": str(repo),
        "tree": str(tree),
        "output": result.stdout,
        "errors": result.stderr,
        "returncode": result.returncode,
    }


def pytest_collection_modifyitems(session, config, items):
    """The tests that read the published history after the others (a stable sort: each module keeps its order)."""
    items.sort(key=reads_history)


def reads_history(item) -> bool:
    return item.path.name in READS_HISTORY or "history" in getattr(item, "fixturenames", ())


def given_tree(module: str) -> Path | None:
    """The published tree that TREE_GIVEN_BY's variable names for a test module (its file's path), if set."""
    given = os.environ.get(TREE_GIVEN_BY.get(Path(module).name, ""), "")
    return Path(given) if given else None


def publishes_history(item) -> bool:
    """Whether the test reads the history this run publishes (not a tree given_tree names)."""
    return reads_history(item) and given_tree(item.path) is None


def published_tree(request) -> Path:
    """The tree a module's tests read: the one given_tree names, or the published history's (the history fixture)."""
    return given_tree(request.module.__file__) or request.getfixturevalue("history")["tree"]


def pytest_collection_finish(session):
    """Start publishing the history in the background if a test that reads it is to run (each pytest-xdist
    worker starts one: the first takes the lock and publishes, the other's waits for it)."""
    if any(map(publishes_history, session.items)) and not session.config.option.collectonly:
        # pytest makes this process's temporary folder on first use, emptying it: here, not in the thread as well
        # (two first uses at once, the thread's and a test's, would each empty it under the other)
        shared_folder(session.config)
        thread = threading.Thread(target=made_once, args=(session.config, "history", publish_history), daemon=True)
        thread.start()
        session.config.stash[HISTORY_THREAD] = thread
        # The last tests wait for the history: it is published at the normal priority, the tests beside it below
        # it (on Linux a nice value is a thread's: the thread started above, and what it starts, keep theirs).
        os.nice(TESTS_NICENESS)


def pytest_sessionfinish(session):
    thread = session.config.stash.get(HISTORY_THREAD, None)
    if thread is not None:
        thread.join()


@pytest.fixture(scope="session")
def mini_published_template(pytestconfig) -> Path:
    """A small manual's repository in which 1.0 was published (without the PDF edition): made once per run."""

    def make(folder: Path) -> dict:
        repo = init_repo(mini_project(folder / "repo"))
        result = manual(repo, "publish")
        return {"repo": str(repo), "output": result.stdout + result.stderr, "returncode": result.returncode}

    made = made_once(pytestconfig, "mini-published", make)
    assert made["returncode"] == 0, made["output"]
    return Path(made["repo"])


@pytest.fixture
def mini_published(mini_published_template, tmp_path) -> Path:
    """A copy of it of the test's own (work tree, .git with main, gh-pages, tags and history/1.0)."""
    return Path(shutil.copytree(mini_published_template, tmp_path / "repo", symlinks=True))


@pytest.fixture(scope="session")
def real_site(pytestconfig) -> Path:
    """One strict build of the real manual, shared by the tests that only read it."""

    def make(folder: Path) -> dict:
        result = build(ROOT, folder / "site")
        return {"site": str(folder / "site"), "errors": result.stderr, "returncode": result.returncode}

    made = made_once(pytestconfig, "real-site", make)
    assert made["returncode"] == 0, made["errors"]
    return Path(made["site"])


@pytest.fixture(scope="session")
def history(pytestconfig) -> dict:
    """The published history (publish_history), from the background publication or, if none was started, made
    here; waits for it when another process is making it."""
    made = made_once(pytestconfig, "history", publish_history)
    assert made["returncode"] == 0, made["output"] + made["errors"]
    return {"repo": Path(made["repo"]), "tree": Path(made["tree"]), "output": made["output"]}


@pytest.fixture(scope="session")
def artefacts() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
