"""Shared fixtures: copies of the project in temporary folders, and real strict builds of them."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Debian's Chromium, never a downloaded browser; the flags keep it from reaching for Google's hosts.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PROJECT_FILES = ("docs", "checklists", "macros", "overrides", "history", "mkdocs.yml", "revisions.yml",
                 "search-dictionary.txt")


def copy_project(target: Path) -> Path:
    """The manual's sources (not the venv, not git) copied into target."""
    target.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, target / name)
    return target


def build(project: Path, site: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """mkdocs build --strict of a project folder; returns the finished process (not checked)."""
    site = site or project / "site"
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=project, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
    )


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """One strict build of the real manual, shared by the tests that only read it."""
    site = tmp_path_factory.mktemp("site")
    result = build(ROOT, site)
    assert result.returncode == 0, result.stderr
    return site


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
