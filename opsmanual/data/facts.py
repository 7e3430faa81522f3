"""The facts of the manual (facts/*.yml): company names, departments, roles and every rule value.

Each fact is defined once and written into chapters and forms as a variable, ``{{ rules.complaint_ack }}``,
so that changing it changes every page and form that uses it. A file holds one or more namespaces
(``rules:``, ``roles:`` …); a namespace may be spread over several files, a key may be defined only once.

How a fact reads in the text:

* a scalar (``finance: 财务部``) reads as itself;
* a mapping reads as its ``text`` if it has one, else as ``value`` followed by ``unit`` (``2个工作小时``),
  else as its ``name``; its fields are there too: ``{{ rules.complaint_ack.value }}``.

The literal check (``literal_uses``) refuses a governed value written out in the text instead of through its
variable, and, through a fact's ``patterns``, a restatement with another value (a contradiction).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .yamlfile import DataError, DataInvalid, load, shown

FACTS_DIR = "facts"
# A Jinja expression or statement in the text: what is inside is a variable, not a literal.
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
RESERVED = frozenset(name for name in dir(dict) if not name.startswith("_"))


class Fact:
    """A named value: reads as its text, and gives its fields as attributes (``rules.x.value``)."""

    def __init__(self, namespace: str, key: str, data: Any, source: Path, line: int):
        self.namespace = namespace
        self.key = key
        self.data = data
        self.source = source
        self.line = line

    @property
    def path(self) -> str:
        return f"{self.namespace}.{self.key}"

    @property
    def text(self) -> str:
        data = self.data
        if not isinstance(data, dict):
            return str(data)
        if "text" in data:
            return str(data["text"])
        if "value" in data:
            return f"{data['value']}{data.get('unit', '')}"
        return str(data.get("name", self.key))

    @property
    def name(self) -> str:
        """What the fact is, for lists and messages: its ``name`` field, or its text."""
        return str(self.data.get("name", self.text)) if isinstance(self.data, dict) else self.text

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:  # Jinja's autoescape: the text, escaped
        from markupsafe import escape

        return str(escape(self.text))

    def __getattr__(self, field: str) -> Any:
        data = self.__dict__.get("data")
        if isinstance(data, dict) and field in data:
            return data[field]
        raise AttributeError(field)

    def __getitem__(self, field: str) -> Any:
        try:
            return getattr(self, field)
        except AttributeError:
            raise KeyError(field) from None

    def __repr__(self) -> str:
        return f"<Fact {self.path} = {self.text!r}>"

    # -- the literal check ----------------------------------------------------------------------
    @property
    def governed(self) -> bool:
        return not (isinstance(self.data, dict) and self.data.get("literal") is False)

    def literal_patterns(self) -> list[re.Pattern]:
        """The ways of writing this fact out that the text must not use instead of its variable."""
        if not self.governed:
            return []
        found = []
        data = self.data if isinstance(self.data, dict) else {}
        value = data.get("value")
        if value is not None and data.get("unit") and "text" not in data:
            # not an ordinal (第3次) nor the end of a range (30–60天): those are other things than this value
            found.append(
                re.compile(rf"(?<![\d.第–\-~～]){re.escape(str(value))}\s*{re.escape(str(data['unit']).strip())}")
            )
        else:
            text = self.text
            if len(text) >= 2 and not NUMBER.match(text):
                found.append(re.compile(re.escape(text)))
        return found

    def literal_needles(self) -> list[str]:
        """For each literal pattern, a word every match of it contains (to skip files that cannot match)."""
        if not self.governed:
            return []
        data = self.data if isinstance(self.data, dict) else {}
        if data.get("value") is not None and data.get("unit") and "text" not in data:
            return [str(data["unit"]).strip()]
        return [self.text] if len(self.text) >= 2 and not NUMBER.match(self.text) else []

    def restatement_patterns(self) -> list[re.Pattern]:
        """Patterns of the fact's own ``patterns`` field: a restatement, whatever value it gives."""
        data = self.data if isinstance(self.data, dict) else {}
        return [re.compile(p) for p in data.get("patterns", ())]


class Namespace(dict):
    """The facts of one namespace, by key; ``namespace.key`` in Jinja (which looks for an attribute first, so
    the namespace has no attribute of its own that a key could be, and keys may not be dict's methods)."""

    def __init__(self, namespace: str):
        super().__init__()
        self._namespace = namespace

    def __getattr__(self, key: str) -> Fact:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


@dataclass(frozen=True)
class Facts:
    namespaces: dict[str, Namespace]

    def __iter__(self) -> Iterator[Fact]:
        for namespace in self.namespaces.values():
            yield from namespace.values()

    def __getitem__(self, path: str) -> Fact:
        namespace, _, key = path.partition(".")
        return self.namespaces[namespace][key]

    def get(self, path: str) -> Fact | None:
        try:
            return self[path]
        except KeyError:
            return None

    def variables(self) -> dict[str, Namespace]:
        """What the pages and forms see: one variable per namespace."""
        return dict(self.namespaces)


def load_facts(folder: Path) -> Facts:
    """Every facts/*.yml of a folder; raise DataInvalid naming file, line and key."""
    folder = Path(folder)
    namespaces: dict[str, Namespace] = {}
    errors: list[DataError] = []
    for file in sorted(folder.glob("*.yml")) if folder.is_dir() else ():
        try:
            document = load(file)
        except DataInvalid as exc:
            errors.extend(exc.errors)
            continue
        if document.data is None:
            continue
        if not isinstance(document.data, dict):
            errors.append(document.error((), "应为“命名空间: 事实”的映射，例如 rules: {complaint_ack: {…}}"))
            continue
        for name, entries in document.data.items():
            if not isinstance(entries, dict):
                errors.append(document.error((name,), f"命名空间 {name} 应为“键: 值”的映射"))
                continue
            namespace = namespaces.setdefault(name, Namespace(name))
            for key, data in entries.items():
                if key in RESERVED:
                    errors.append(
                        document.error((name, key), f"键 '{key}' 不能用（它是 Jinja 中映射自带的方法名）：换一个键")
                    )
                    continue
                if not re.fullmatch(r"[a-z][a-z0-9_]*", str(key)):
                    errors.append(
                        document.error((name, key), f"键 '{key}' 只能用小写英文字母、数字和下划线，且以字母开头")
                    )
                    continue
                if key in namespace:
                    first = namespace[key]
                    errors.append(
                        document.error(
                            (name, key),
                            f"{name}.{key} 已在 {shown(first.source)}:{first.line} 定义过：每个事实只定义一次",
                        )
                    )
                    continue
                namespace[key] = Fact(name, key, data, file, document.line((name, key)))
    if errors:
        raise DataInvalid(errors)
    return Facts(namespaces)


@dataclass(frozen=True)
class LiteralUse:
    file: Path
    line: int
    found: str
    fact: Fact
    contradicts: bool  # a restatement whose value differs from the fact's
    others: tuple[Fact, ...] = ()  # other facts written the same way (pick the one meant)

    def __str__(self) -> str:
        from .yamlfile import shown

        where = f"{shown(self.file)}:{self.line}"
        if self.contradicts:
            return (
                f"{where}: 「{self.found}」与受控事实 {self.fact.path}（{self.fact.name}：{self.fact.text}）"
                f"矛盾：改为 {{{{ {self.fact.path} }}}}"
            )
        if self.others:
            names = "、".join(f"{f.path}（{f.name}）" for f in (self.fact, *self.others))
            return f"{where}: 「{self.found}」是受控数值的写法，这些事实的值都是它：{names}：写成所指那一项的变量"
        return (
            f"{where}: 「{self.found}」是受控事实 {self.fact.path}（{self.fact.name}）的写法："
            f"请写 {{{{ {self.fact.path} }}}}"
        )


def _blank_jinja(text: str) -> str:
    """The text with every Jinja expression blanked out (same length and lines)."""
    return JINJA.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


class LiteralCheck:
    """Finds, in a text, every place where a governed fact is written out instead of its variable, and every
    restatement (a fact's patterns) that gives another value: a contradiction. Made once per set of facts."""

    def __init__(self, facts: Facts):
        self.literal: dict[
            str, tuple[re.Pattern, str, list[Fact]]
        ] = {}  # pattern -> (compiled, a word it must contain, facts)
        for fact in facts:
            for pattern, needle in zip(fact.literal_patterns(), fact.literal_needles()):
                self.literal.setdefault(pattern.pattern, (pattern, needle, []))[2].append(fact)
        self.own_text = {fact.path: re.compile(rf"(?<![\d.]){re.escape(fact.text)}") for fact in facts}
        self.restatements = [(fact, pattern) for fact in facts for pattern in fact.restatement_patterns()]

    def uses_in(self, file: Path, text: str) -> list[LiteralUse]:
        text = _blank_jinja(text)
        line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        taken = bytearray(len(text) + 1)  # 1 where a match was already reported
        found = []

        def line_of(offset: int) -> int:
            return bisect.bisect_right(line_starts, offset)

        for fact, pattern in self.restatements:
            for match in pattern.finditer(text):
                if taken[match.start()]:
                    continue
                taken[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
                written = match.group(0)
                same = any(p.search(written) for p in fact.literal_patterns()) or bool(
                    self.own_text[fact.path].search(written)
                )
                if same and not fact.governed:
                    continue  # the fact's own value, in a fact that is not checked word for word
                found.append(LiteralUse(file, line_of(match.start()), written, fact, contradicts=not same))
        for pattern, needle, owners in self.literal.values():
            if needle not in text:
                continue
            for match in pattern.finditer(text):
                if taken[match.start()]:
                    continue
                taken[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
                found.append(
                    LiteralUse(file, line_of(match.start()), match.group(0), owners[0], False, tuple(owners[1:]))
                )
        return found


def literal_uses(facts: Facts, files: list[Path]) -> list[LiteralUse]:
    """Every governed value written out or contradicted in the given files (LiteralCheck), in file and line order."""
    check = LiteralCheck(facts)
    found = [use for file in files for use in check.uses_in(file, file.read_text(encoding="utf-8"))]
    return sorted_uses(found)


def sorted_uses(found: list[LiteralUse]) -> list[LiteralUse]:
    return sorted(found, key=lambda use: (str(use.file), use.line, use.found))


#: Namespaces a generated page shows whole (its facts are used by being there), with the page that shows them.
SHOWN_WHOLE = {"glossary": "glossary.md", "events": "escalation.md", "levels": "escalation.md"}


def unused_facts(facts: Facts, texts: list[str], pages: set[str] = frozenset()) -> list[Fact]:
    """Facts nothing refers to as ``namespace.key``: not a page, a form, a template, another fact, nor a generated
    page that shows them (pages: the generated pages in the navigation)."""
    corpus = "\n".join(texts)
    referenced = set(re.findall(r"\b([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)\b", corpus))
    for fact in facts:
        data = fact.data if isinstance(fact.data, dict) else {}
        for value in data.values():
            for item in value if isinstance(value, list) else [value]:
                refs = re.findall(r"\b([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)\b", str(item))
                referenced |= {ref for ref in refs if ref != fact.path}
        if fact.namespace == "events" and data.get("level"):
            referenced.add(f"levels.{data['level']}")
    unused = []
    for fact in facts:
        data = fact.data if isinstance(fact.data, dict) else {}
        if fact.path in referenced or SHOWN_WHOLE.get(fact.namespace) in pages:
            continue
        if fact.namespace == "rules" and isinstance(data.get("calendar"), dict) and "calendar.md" in pages:
            continue
        if fact.namespace == "roles" and data.get("summary") and "roles.md" in pages:
            continue
        unused.append(fact)
    return unused
