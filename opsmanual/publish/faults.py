"""Switches for the tests of publishing, read nowhere else.

With MANUAL_FAULT=kill:<point> in its environment, `manual publish` kills itself (SIGKILL, as a power cut or
`kill -9` would) when it reaches that point (tests/test_interrupt.py). With MANUAL_PUBLISH_PDF=0 it publishes
without the PDF edition: the tests of how publishing refuses, resumes and pushes use it to save the layout time;
the tests of the edition itself publish with it, as every real publication does.
"""

from __future__ import annotations

import os
import signal

FAULT_ENV = "MANUAL_FAULT"
POINTS = ("archive", "archive-staged", "archived", "tagged", "pages", "deployed", "push")


def checkpoint(point: str) -> None:
    if os.environ.get(FAULT_ENV) == f"kill:{point}":
        os.kill(os.getpid(), signal.SIGKILL)


def with_pdf() -> bool:
    return os.environ.get("MANUAL_PUBLISH_PDF", "1") != "0"
