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

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .yamlfile import DataError, DataInvalid, load

FACTS_DIR = "facts"
# A Jinja expression or statement in the text: what is inside is a variable, not a literal.
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


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
            found.append(re.compile(rf"(?<![\d.]){re.escape(str(value))}\s*{re.escape(str(data['unit']).strip())}"))
        else:
            text = self.text
            if len(text) >= 2 and not NUMBER.match(text):
                found.append(re.compile(re.escape(text)))
        return found

    def restatement_patterns(self) -> list[re.Pattern]:
        """Patterns of the fact's own ``patterns`` field: a restatement, whatever value it gives."""
        data = self.data if isinstance(self.data, dict) else {}
        return [re.compile(p) for p in data.get("patterns", ())]


class Namespace(dict):
    """The facts of one namespace, by key; ``namespace.key`` in Jinja."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name

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
                if not re.fullmatch(r"[a-z][a-z0-9_]*", str(key)):
                    errors.append(document.error((name, key), f"键 '{key}' 只能用小写英文字母、数字和下划线，且以字母开头"))
                    continue
                if key in namespace:
                    first = namespace[key]
                    errors.append(document.error((name, key), f"{name}.{key} 已在 {first.source}:{first.line} 定义过：每个事实只定义一次"))
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

    def __str__(self) -> str:
        if self.contradicts:
            return (f"{self.file}:{self.line}: 「{self.found}」与受控事实 {self.fact.path}（{self.fact.name}：{self.fact.text}）"
                    f"矛盾：改为 {{{{ {self.fact.path} }}}}")
        return (f"{self.file}:{self.line}: 「{self.found}」是受控事实 {self.fact.path}（{self.fact.name}）的写法："
                f"请写 {{{{ {self.fact.path} }}}}")


def _blank_jinja(text: str) -> str:
    """The text with every Jinja expression blanked out (same length and lines)."""
    return JINJA.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def literal_uses(facts: Facts, files: list[Path]) -> list[LiteralUse]:
    """Every place in the given files where a governed fact is written out instead of its variable."""
    checks = [(fact, fact.literal_patterns(), fact.restatement_patterns()) for fact in facts]
    found = []
    for file in files:
        text = _blank_jinja(file.read_text(encoding="utf-8"))
        line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

        def line_of(offset: int) -> int:
            lo, hi = 0, len(line_starts)
            while lo + 1 < hi:
                mid = (lo + hi) // 2
                if line_starts[mid] <= offset:
                    lo = mid
                else:
                    hi = mid
            return lo + 1

        seen: set[tuple[int, int]] = set()
        for fact, literal, restatements in checks:
            for pattern in restatements:
                for match in pattern.finditer(text):
                    if (match.start(), match.end()) in seen:
                        continue
                    seen.add((match.start(), match.end()))
                    same = any(p.search(match.group(0)) for p in literal)
                    found.append(LiteralUse(file, line_of(match.start()), match.group(0), fact, contradicts=not same))
            for pattern in literal:
                for match in pattern.finditer(text):
                    if any(s <= match.start() < e for s, e in seen):
                        continue
                    seen.add((match.start(), match.end()))
                    found.append(LiteralUse(file, line_of(match.start()), match.group(0), fact, contradicts=False))
    return sorted(found, key=lambda use: (str(use.file), use.line, use.found))


def unused_facts(facts: Facts, texts: list[str]) -> list[Fact]:
    """Facts that no text refers to, as ``namespace.key`` or as a bare key in a reference field."""
    corpus = "\n".join(texts)
    unused = []
    for fact in facts:
        if re.search(rf"\b{re.escape(fact.namespace)}\.{re.escape(fact.key)}\b", corpus):
            continue
        if re.search(rf"(?<![\w.]){re.escape(fact.key)}(?![\w.])", corpus):
            continue
        unused.append(fact)
    return unused
