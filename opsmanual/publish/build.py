"""A strict mkdocs build, as every publication and `manual check` makes it.

It runs in this process (mkdocs' own build function): publishing the whole history builds several versions,
and Python's imports, Material's templates and jieba's dictionary are loaded once for all of them. mkdocs'
warnings and errors are collected and, if the build fails, given in Chinese.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from ..errors import ManualError
from ..messages import translate

VERSION_ENV = "MANUAL_VERSION"  # build history/<version>/ instead of the working tree
PUBLISH_AS_ENV = "MANUAL_PUBLISH_AS"  # the version the build is published as (its site_url gets /<version>/)
DRAFT_ENV = "MANUAL_DRAFT"


class Collected(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(translate(record.getMessage()))


@contextlib.contextmanager
def environment(values: dict[str, str]):
    before = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def build_site(
    root: Path, site_dir: Path, *, from_archive: str = "", publish_as: str = "", draft: bool = False, pdf: bool = False
) -> None:
    """mkdocs build --strict into site_dir; a failure raises ManualError with mkdocs' messages in Chinese."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    collected = Collected()
    logger = logging.getLogger("mkdocs")
    propagate = logger.propagate
    logger.addHandler(collected)
    logger.propagate = False
    values = {
        VERSION_ENV: from_archive,
        PUBLISH_AS_ENV: publish_as,
        DRAFT_ENV: "true" if draft else "false",
        "MANUAL_PDF": "true" if pdf else "false",
        "NO_MKDOCS_2_WARNING": "1",
    }
    try:
        with environment(values), contextlib.chdir(root):
            config = load_config(str(Path(root) / "mkdocs.yml"), site_dir=str(site_dir), strict=True)
            config.plugins.on_startup(command="build", dirty=False)
            try:
                build(config)
            finally:
                config.plugins.on_shutdown()
    except (KeyboardInterrupt, MemoryError):
        raise
    except OSError as exc:
        from ..errors import explain_os_error

        raise explain_os_error(exc, "构建站点") from None
    except BaseException as exc:  # noqa: BLE001 - mkdocs' Abort, a plugin's error, a template's: all are the build failing
        lines = [line for line in collected.lines if line.strip()] or [translate(str(exc)) or type(exc).__name__]
        raise ManualError("严格构建未通过：\n" + "\n".join(f"  {line}" for line in lines)) from None
    finally:
        logger.removeHandler(collected)
        logger.propagate = propagate
