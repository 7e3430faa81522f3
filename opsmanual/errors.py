"""Expected failures, explained to the person who reads them.

A ManualError carries a Chinese message that says what happened, where, and what to do; the CLI prints it
without a traceback. OS failures that are not bugs (disk full, read-only, no permission) are named for what
they are by explain_os_error.
"""

from __future__ import annotations

import errno


class ManualError(Exception):
    """An expected failure: the message is for an HQ editor, in Chinese."""


OS_ERRORS = {
    errno.ENOSPC: "磁盘空间已满",
    errno.EDQUOT: "磁盘配额已用完",
    errno.EROFS: "文件系统是只读的",
    errno.EACCES: "没有权限",
    errno.EPERM: "不允许的操作（没有权限）",
    errno.ENOENT: "找不到文件或目录",
    errno.EIO: "磁盘读写错误",
}


def explain_os_error(exc: OSError, doing: str) -> ManualError:
    """An OSError met while doing something, as a ManualError: "<doing>时<what>：<file>"."""
    what = OS_ERRORS.get(exc.errno, exc.strerror or str(exc))
    where = f"：{exc.filename}" if getattr(exc, "filename", None) else ""
    advice = {
        errno.ENOSPC: "请清理磁盘后重试",
        errno.EDQUOT: "请清理磁盘后重试",
        errno.EROFS: "请在可写的目录中运行",
        errno.EACCES: "请检查文件的属主和权限",
        errno.EPERM: "请检查文件的属主和权限",
    }.get(exc.errno, "请排除后重试")
    return ManualError(f"{doing}时{what}{where}。{advice}。")
