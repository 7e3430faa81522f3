"""Schemas for the editor: the schemas `manual validate` checks against, with the values an HQ editor may choose from
filled in, so that an editor's YAML extension completes and underlines them while typing.

`manual schemas` writes them into .schemas/ (not committed: they are made from the roster, the roles and the pages,
which live in their own files); `manual serve` writes them when it starts. The first line of revisions.yml,
roster.yml and every checklists/*.yml names them. The rules stay in the checks: a name the editor's schema offers
can still be refused by `manual validate` (the preparer approving their own revision, an authority that has ended).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from .yamlfile import schema

FOLDER = ".schemas"
NAMES = ("form", "register", "roster")
ACTIONS = {"prepared_by": "prepare", "reviewed_by": "review", "approved_by": "approve"}


def editor_schemas(people: dict[str, list[str]], roles: list[str], subjects: list[str]) -> dict[str, dict]:
    """The three schemas, the register's with: who may prepare, review and approve (action -> the ways a person
    may be written), the roles that may be retrained, and the pages and forms a change may name."""
    schemas = {name: copy.deepcopy(schema(name)) for name in NAMES}
    entry = schemas["register"]["properties"]["revisions"]["items"]["properties"]
    for field, action in ACTIONS.items():
        if people.get(action):
            entry[field]["enum"] = people[action]
    if roles:
        entry["retrain"]["items"]["enum"] = roles
    if subjects:  # offered, not imposed: a page deleted by the revision is named too, and is no longer in the tree
        page = entry["changes"]["items"]["properties"]["page"]
        entry["changes"]["items"]["properties"]["page"] = {
            "description": page.pop("description"),
            "anyOf": [{"enum": subjects}, page],
        }
    withdrawal = schemas["register"]["properties"]["withdrawals"]["items"]["properties"]
    if people.get("approve"):
        withdrawal["approved_by"]["enum"] = people["approve"]
    return schemas


def write(root: Path, schemas: dict[str, dict]) -> list[Path]:
    folder = root / FOLDER
    folder.mkdir(exist_ok=True)
    written = []
    for name, body in schemas.items():
        path = folder / f"{name}.schema.json"
        text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def for_project(snapshot, roster) -> dict[str, dict]:
    """The editor's schemas for a project's working tree and roster (None when it has no roster)."""
    people = {}
    if roster is not None:
        for action in ("prepare", "review", "approve"):
            allowed = [person for person in roster.people if person.may.get(action)]
            people[action] = sorted({form for person in allowed for form in (person.display, person.name)})
    roles_fact = snapshot.facts.variables().get("roles")
    roles = sorted(fact.text for fact in roles_fact.values()) if roles_fact else []
    subjects = [*snapshot.pages, *sorted(snapshot.forms.forms)]
    return editor_schemas(people, roles, subjects)
