"""jieba, the Chinese word segmenter of the redlines and of the search, imported once, with its dictionary cache
read whole.

jieba keeps its parsed dictionary (9 MB) in a cache file and reads it back with marshal.load of the open file,
which reads it piece by piece: three times slower than marshal.loads of the file's bytes, and every build that cuts
a word pays it (0.6 s of a small manual's 2 s publication). The same bytes, the same format, the same checks of
the cache's age: only how the file is read differs."""

from __future__ import annotations

import marshal
from functools import cache


class WholeFileMarshal:
    """The marshal module as jieba uses it (load, dump), with load reading the file whole."""

    @staticmethod
    def load(file):
        return marshal.loads(file.read())

    dump = staticmethod(marshal.dump)


@cache
def jieba():
    """The jieba module, its dictionary cache read whole (WholeFileMarshal)."""
    import jieba as module

    module.marshal = WholeFileMarshal
    return module
