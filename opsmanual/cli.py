"""The `manual` command: what HQ editors and CI run. Only argument parsing and printing live here."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from . import linkcheck
from .forms import load_forms
from .publish import Publisher, PublishRefused, build_site
from .register import load_register
from .yamldata import DataInvalid


def find_root(start: Path) -> Path:
    for folder in (start, *start.parents):
        if (folder / "mkdocs.yml").is_file() and (folder / "revisions.yml").is_file():
            return folder
    raise SystemExit(f"manual: no mkdocs.yml with revisions.yml in {start} or above")


def validate(root: Path) -> int:
    try:
        forms = load_forms(root / "checklists", root / "docs")
        register = load_register(root / "revisions.yml", root / "docs", set(forms.forms))
    except DataInvalid as exc:
        print("invalid data:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    print(f"ok: {len(forms)} forms, {len(register.revisions)} revisions (current {register.current.version} "
          f"{register.current.title})")
    return 0


def facts_check(root: Path) -> int:
    """Governed values written out instead of their variable, restatements that contradict, unused facts."""
    from .facts import FACTS_DIR, literal_uses, load_facts, unused_facts

    try:
        facts = load_facts(root / FACTS_DIR)
    except DataInvalid as exc:
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    files = sorted((root / "docs").rglob("*.md")) + sorted((root / "checklists").glob("*.yml"))
    uses = literal_uses(facts, files)
    texts = [f.read_text(encoding="utf-8") for f in files]
    texts += [f.read_text(encoding="utf-8") for f in sorted((root / FACTS_DIR).glob("*.yml"))]
    unused = unused_facts(facts, texts)
    for use in uses:
        print(use)
    for fact in unused:
        print(f"{fact.source}:{fact.line}: 事实 {fact.path}（{fact.name}）没有任何页面或表格使用：删除它，或在文中使用")
    contradictions = sum(use.contradicts for use in uses)
    print(f"{len(list(facts))} 个事实；{len(uses)} 处直接写出的受控数值（其中 {contradictions} 处矛盾）；{len(unused)} 个未使用的事实")
    return 1 if uses or unused else 0


def check(root: Path, site_dir: Path | None) -> int:
    """What CI runs on every change: data, strict build, links."""
    print("[1/3] validating checklists and the revision register", flush=True)
    if validate(root):
        return 1
    with tempfile.TemporaryDirectory(prefix="manual-site-") as scratch:
        site = site_dir or Path(scratch)
        print(f"[2/3] building the site strictly into {site}", flush=True)
        try:
            build_site(root, site)
        except PublishRefused as exc:
            print(exc, file=sys.stderr)
            return 1
        print("[3/3] checking every link and anchor", flush=True)
        report = linkcheck.check_site(site)
        print(report.text())
        return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="manual", description="Publish and check the branch-office operations manual.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("validate", help="validate checklists/*.yml and revisions.yml")
    check_parser = commands.add_parser("check", help="validate, build strictly and check links (what CI runs)")
    check_parser.add_argument("--site-dir", type=Path, help="keep the build here (default: a temporary folder)")
    commands.add_parser("facts", help="list governed values written out instead of their variable, and unused facts")
    commands.add_parser("serve", help="preview the working tree as a draft of the next revision (mkdocs serve)")
    publish = commands.add_parser("publish", help="publish the register's newest revision with mike")
    publish.add_argument("version", nargs="?", help="the version to publish; must be the register's newest (default)")
    publish.add_argument("--remote", help="fetch from and push gh-pages, the branch and the tag to this git remote")
    commands.add_parser("preview", help="serve every published version locally (mike serve)")
    links = commands.add_parser("linkcheck", help="check links of a built site or of a published tree")
    links.add_argument("directory", type=Path)
    links.add_argument("--published", action="store_true", help="the directory is a gh-pages tree of versions")
    links.add_argument("--external", action="store_true", help="also check links to other hosts")
    args = parser.parse_args(argv)

    if args.command == "linkcheck":
        return linkcheck.main([str(args.directory)] + (["--published"] if args.published else [])
                              + (["--external"] if args.external else []))
    root = find_root(Path.cwd())
    if args.command == "validate":
        return validate(root)
    if args.command == "facts":
        return facts_check(root)
    if args.command == "check":
        return check(root, args.site_dir)
    if args.command == "serve":
        return subprocess.call([sys.executable, "-m", "mkdocs", "serve", "--dev-addr", os.environ.get("MANUAL_ADDR", "127.0.0.1:8000")], cwd=root)
    if args.command == "preview":
        return subprocess.call([sys.executable, "-m", "mike", "serve", "--dev-addr", os.environ.get("MANUAL_ADDR", "127.0.0.1:8000")], cwd=root)
    if args.command == "publish":
        try:
            Publisher(root, remote=args.remote, log=lambda line: print(line, flush=True)).publish(args.version)
        except PublishRefused as exc:
            print(f"refused: {exc}", file=sys.stderr)
            print("nothing was published.", file=sys.stderr)
            return 1
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
