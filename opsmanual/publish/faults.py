"""Interruption points for the tests of crash-safe publishing (tests/test_interrupt.py).

With MANUAL_FAULT=kill:<point> in its environment, `manual publish` kills itself (SIGKILL, as a power cut or
`kill -9` would) when it reaches that point; nothing else reads this variable.
"""
from __future__ import annotations

import os
import signal

FAULT_ENV = "MANUAL_FAULT"
POINTS = ("archive", "archive-staged", "archived", "tagged", "pages", "deployed", "push")


def checkpoint(point: str) -> None:
    if os.environ.get(FAULT_ENV) == f"kill:{point}":
        os.kill(os.getpid(), signal.SIGKILL)
