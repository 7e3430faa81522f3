"""Read a YAML data file, keeping the line of every value, and check it against its JSON Schema.

Every error names the file, the line and the field, and says in Chinese what was expected, so that an
HQ editor can fix the YAML without reading a traceback.
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ..cache import template

SCHEMA_DIR = Path(__file__).parent / "schemas"

FieldPath = tuple  # a path into the data: keys and list indexes


def shown(path: Path) -> str:
    """A path as an editor reads it: relative to the current folder when it is inside it."""
    try:
        return (
            os.path.relpath(path)
            if Path(path).is_absolute() and Path(path).resolve().is_relative_to(Path.cwd())
            else str(path)
        )
    except (ValueError, OSError):
        return str(path)


@dataclass(frozen=True)
class DataError:
    file: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{shown(self.file)}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class DataInvalid(Exception):
    """Raised with every error found, so the editor fixes them in one pass."""

    def __init__(self, errors: list[DataError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass
class Document:
    """A parsed YAML file: its data and the line each value starts on."""

    file: Path
    data: Any
    lines: dict[FieldPath, int]

    def line(self, path: FieldPath) -> int:
        """The line of the value at path, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)

    def error(self, path: FieldPath, message: str) -> DataError:
        return DataError(self.file, self.line(path), field_name(path), message)


def field_name(path: FieldPath) -> str:
    """('sections', 0, 'items', 2, 'id') -> 'sections[0].items[2].id'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# libyaml's parser and emitter where they are built in: the same nodes and marks, the same text, much faster.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _scalar(node: yaml.Node) -> Any:
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)


def _walk(node: yaml.Node, path: FieldPath, lines: dict, errors: list, file: Path) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else _scalar(key_node)
            if key in out:
                errors.append(
                    DataError(
                        file,
                        key_node.start_mark.line + 1,
                        field_name(path + (key,)),
                        f"字段“{key}”重复（第一次在第 {lines[path + (key,)]} 行）",
                    )
                )
                continue
            out[key] = _walk(value_node, path + (key,), lines, errors, file)
            lines.setdefault(path + (key,), key_node.start_mark.line + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(child, path + (i,), lines, errors, file) for i, child in enumerate(node.value)]
    value = _scalar(node)
    # Dates stay text, as HQ typed them; the models parse them where they need to.
    return value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else value


def parse(text: str, file: Path) -> Document:
    """Parse YAML text; syntax errors and duplicate keys raise DataInvalid."""
    try:
        node = yaml.compose(text, Loader=LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise DataInvalid(
            [DataError(file, line, "", f"YAML 语法错误：{exc.problem or exc}（检查缩进、冒号后的空格和引号）")]
        ) from None
    lines: dict[FieldPath, int] = {}
    errors: list[DataError] = []
    data = _walk(node, (), lines, errors, file) if node is not None else None
    if errors:
        raise DataInvalid(errors)
    return Document(file, data, lines)


def load(file: Path) -> Document:
    """Read and parse a YAML file."""
    file = Path(file)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataInvalid([DataError(file, 1, "", "找不到此文件")]) from None
    except UnicodeDecodeError as exc:
        raise DataInvalid([DataError(file, 1, "", f"不是 UTF-8 编码的文本（{exc.reason}）：请用 UTF-8 保存")]) from None
    return parse(text, file)


@cache
def schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


TYPES = {
    "string": "文字",
    "integer": "整数",
    "number": "数字",
    "array": "列表",
    "object": "映射（字段: 值）",
    "boolean": "是/否（true/false）",
    "null": "空",
}


def _explain(error: jsonschema.ValidationError) -> tuple[FieldPath, str]:
    """Turn a jsonschema error into (path of the offending field, what was expected, in Chinese)."""
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        return path + (extra[0],), f"未知的字段“{extra[0]}”；可用的字段：{'、'.join(allowed)}"
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return path + (missing,), f"缺少必填字段“{missing}”"
    if error.validator == "type":
        expected = error.validator_value
        expected = [expected] if isinstance(expected, str) else expected
        hint = '（要加引号，例如 "1.10"）' if "string" in expected and isinstance(error.instance, (int, float)) else ""
        return path, f"应为{'或'.join(TYPES.get(e, e) for e in expected)}，实际是 {error.instance!r}{hint}"
    if error.validator == "enum":
        return path, f"应为以下之一：{'、'.join(map(str, error.validator_value))}；实际是 {error.instance!r}"
    if error.validator == "const":
        return path, f"应为 {error.validator_value!r}，实际是 {error.instance!r}"
    if error.validator == "pattern":
        hint = error.schema.get("description", f"格式 {error.validator_value}")
        return path, f"{error.instance!r} 的格式不对：{hint}"
    if error.validator == "format":
        return path, f"{error.instance!r} 不是有效的日期，应写作 YYYY-MM-DD"
    if error.validator == "minItems":
        return path, "不能为空列表" if error.validator_value <= 1 else f"至少要有 {error.validator_value} 项"
    if error.validator == "minLength":
        minimum = error.validator_value
        return path, "不能为空" if minimum <= 1 else f"太短：至少 {minimum} 个字，写清楚具体内容"
    if error.validator in ("maximum", "minimum", "exclusiveMinimum", "exclusiveMaximum"):
        return path, f"数值 {error.instance!r} 超出范围（{error.message}）"
    if error.validator == "maxItems":
        return path, f"最多 {error.validator_value} 项"
    if error.validator == "not":
        return path, (
            "检查表（kind: checklist）只有 sections，没有 columns 和 rows；"
            "记录表（kind: record）只有 columns 和 rows，没有 sections"
        )
    if error.validator in ("oneOf", "anyOf"):
        return path, "写法不对：应为一段文字，或 {label: 名称, options: [选项…]} / {label: 名称, lines: 行数}"
    return path, error.message


@cache
def validator(schema_name: str):
    return jsonschema.Draft202012Validator(schema(schema_name), format_checker=jsonschema.FormatChecker())


def validate(document: Document, schema_name: str) -> list[DataError]:
    """All schema errors of a document, in file order."""
    validator_ = validator(schema_name)
    errors = []
    for error in validator_.iter_errors(document.data):
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

    errors: list[DataError] = []

    def walk(value: Any, path: FieldPath) -> Any:
        if isinstance(value, dict):
            return {key: walk(child, path + (key,)) for key, child in value.items()}
        if isinstance(value, list):
            return [walk(child, path + (i,)) for i, child in enumerate(value)]
        if isinstance(value, str) and ("{{" in value or "{%" in value):
            try:
                return template(value).render(**variables)
            except jinja2.UndefinedError as exc:
                errors.append(document.error(path, f"变量无法展开：{undefined_name(exc)}（可用的变量见 facts/*.yml）"))
            except jinja2.TemplateError as exc:
                errors.append(document.error(path, f"变量写法有误：{exc}"))
        return value

    document.data = walk(document.data, ())
    return errors


def undefined_name(exc: Exception) -> str:
    """Jinja's "'x' is undefined" / "'Namespace' has no attribute 'y'" as a short Chinese phrase."""
    text = str(exc)
    if "has no attribute" in text:
        return "没有这个事实：" + text.rsplit("attribute", 1)[-1].strip(" '")
    if "is undefined" in text:
        return "没有这个变量：" + text.split("'")[1] if "'" in text else text
    return text
