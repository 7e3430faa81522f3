"""A strict mkdocs build in its own process, as every publication and `manual check` makes it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..errors import ManualError
from ..messages import problems

VERSION_ENV = "MANUAL_VERSION"        # build history/<version>/ instead of the working tree
PUBLISH_AS_ENV = "MANUAL_PUBLISH_AS"  # the version the build is published as (its site_url gets /<version>/)


def build_site(root: Path, site_dir: Path, *, from_archive: str = "", publish_as: str = "", draft: bool = False) -> None:
    """mkdocs build --strict into site_dir; a failure raises ManualError with mkdocs' messages in Chinese."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", VERSION_ENV: from_archive, PUBLISH_AS_ENV: publish_as,
           "MANUAL_DRAFT": "true" if draft else "false"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "--site-dir", str(site_dir)]
    try:
        result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    except OSError as exc:
        raise ManualError(f"无法运行 mkdocs：{exc}") from None
    if result.returncode != 0:
        found = problems(result.stderr) or result.stderr.strip().splitlines()[-20:]
        raise ManualError("严格构建未通过：\n" + "\n".join(f"  {line}" for line in found))
