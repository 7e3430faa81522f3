"""Load YAML data files and validate them against a JSON Schema, keeping line numbers.

Every error names the file, the line and the field, and says what was expected, so that an
HQ editor can fix the YAML without reading a traceback.
"""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SCHEMA_DIR = Path(__file__).parent / "schemas"

Path_ = tuple  # a path into the data: keys and list indexes


@dataclass(frozen=True)
class DataError:
    file: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class DataInvalid(Exception):
    """Raised with every error found, so the editor fixes them in one pass."""

    def __init__(self, errors: list[DataError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class Document:
    """A parsed YAML file: its data and the line each value starts on."""

    file: Path
    data: Any
    lines: dict[Path_, int]

    def line(self, path: Path_) -> int:
        """The line of the value at path, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)

    def error(self, path: Path_, message: str) -> DataError:
        return DataError(self.file, self.line(path), field_name(path), message)


def field_name(path: Path_) -> str:
    """('sections', 0, 'items', 2, 'id') -> 'sections[0].items[2].id'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# libyaml's parser where it is built in: the same nodes and marks, much faster.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _scalar(node: yaml.Node) -> Any:
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)


def _walk(node: yaml.Node, path: Path_, lines: dict, errors: list, file: Path) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else _scalar(key_node)
            if key in out:
                errors.append(DataError(file, key_node.start_mark.line + 1, field_name(path + (key,)),
                                        f"duplicate key '{key}' (first given on line {lines[path + (key,)]})"))
                continue
            out[key] = _walk(value_node, path + (key,), lines, errors, file)
            lines.setdefault(path + (key,), key_node.start_mark.line + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(child, path + (i,), lines, errors, file) for i, child in enumerate(node.value)]
    value = _scalar(node)
    # Dates stay text, as HQ typed them; the models parse them where they need to.
    return value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else value


def load(file: Path) -> Document:
    """Parse a YAML file; syntax errors and duplicate keys raise DataInvalid."""
    file = Path(file)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataInvalid([DataError(file, 1, "", "file not found")]) from None
    try:
        node = yaml.compose(text, Loader=LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise DataInvalid([DataError(file, line, "", f"YAML syntax error: {exc.problem or exc}")]) from None
    lines: dict[Path_, int] = {}
    errors: list[DataError] = []
    data = _walk(node, (), lines, errors, file) if node is not None else None
    if errors:
        raise DataInvalid(errors)
    return Document(file, data, lines)


@cache
def schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


def _explain(error: jsonschema.ValidationError) -> tuple[Path_, str]:
    """Turn a jsonschema error into (path of the offending field, what was expected)."""
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        return path + (extra[0],), f"unknown key '{extra[0]}'; expected one of: {', '.join(allowed)}"
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return path + (missing,), f"missing required field '{missing}'"
    if error.validator == "type":
        expected = error.validator_value
        expected = expected if isinstance(expected, str) else " or ".join(expected)
        hint = " (write it in quotes, e.g. \"1.10\")" if expected == "string" and isinstance(error.instance, (int, float)) else ""
        return path, f"expected {expected}, got {type(error.instance).__name__} {error.instance!r}{hint}"
    if error.validator == "enum":
        return path, f"expected one of {', '.join(map(str, error.validator_value))}, got {error.instance!r}"
    if error.validator == "pattern":
        hint = error.schema.get("description", f"the pattern {error.validator_value}")
        return path, f"{error.instance!r} does not match: {hint}"
    if error.validator in ("minItems", "minLength"):
        return path, f"must not be empty ({error.message})"
    if error.validator == "not":
        return path, ("a checklist (kind: checklist) has sections, not columns or rows; "
                      "a record form (kind: record) has columns and rows, not sections")
    return path, error.message


def validate(document: Document, schema_name: str) -> list[DataError]:
    """All schema errors of a document, in file order."""
    validator = jsonschema.Draft202012Validator(schema(schema_name), format_checker=jsonschema.FormatChecker())
    errors = []
    for error in validator.iter_errors(document.data):
        # For anyOf/oneOf/if-then, report the most specific cause.
        best = jsonschema.exceptions.best_match([error])
        path, message = _explain(best)
        errors.append(document.error(path, message))
    return sorted(set(errors), key=lambda e: (e.line, e.field))


def render_strings(document: Document, variables: dict) -> list[DataError]:
    """Write the facts into the text of a document: every string with a {{ variable }} is rendered with
    Jinja (an unknown variable is an error naming the line). Changes document.data in place."""
    if not variables:
        return []
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
    errors: list[DataError] = []

    def walk(value: Any, path: Path_) -> Any:
        if isinstance(value, dict):
            return {key: walk(child, path + (key,)) for key, child in value.items()}
        if isinstance(value, list):
            return [walk(child, path + (i,)) for i, child in enumerate(value)]
        if isinstance(value, str) and ("{{" in value or "{%" in value):
            try:
                return env.from_string(value).render(**variables)
            except jinja2.TemplateError as exc:
                errors.append(document.error(path, f"变量无法展开：{exc}（可用的变量见 facts/*.yml）"))
        return value

    document.data = walk(document.data, ())
    return errors


def load_valid(file: Path, schema_name: str) -> Document:
    document = load(file)
    errors = validate(document, schema_name)
    if errors:
        raise DataInvalid(errors)
    return document
