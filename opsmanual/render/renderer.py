"""Render the manual's data to HTML: forms, Annex 1, the register, what changed, the paper kits and the pages
generated from the facts (escalation matrix, retention schedule, office head's calendar, role guide, glossary).

The renderer is given everything it shows (forms, facts, the revision, and for the register pages the edition)
and a Links object that makes URLs relative to the page being rendered; it looks nothing up by itself.
Presentation is in the Jinja templates beside this module, which escape every value from the data.
"""

from __future__ import annotations

import datetime
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from ..data.forms import PERIODS, Form, FormSet
from ..data.register import Revision, Version
from . import redline

if TYPE_CHECKING:
    from ..control.edition import Edition

TEMPLATES = Path(__file__).parent / "templates"
# Marks where a URL relative to the page goes, in HTML rendered once for all pages (Renderer.shared).
# NUL cannot occur in YAML text.
URL_MARK = re.compile("\x00url:([^\x00]*)\x00")


class Links(Protocol):
    def url(self, src: str) -> str:
        """The URL of a page of this build (a path under docs/, '#anchor' allowed), relative to the current page."""

    def source_link(self, src: str) -> str:
        """A Markdown link target (a source path relative to the current page's source), for Markdown output."""

    def version_url(self, version) -> str:
        """The home of another published version, relative to the current page (mike's layout)."""

    def title(self, src: str) -> str:
        """The title of a page of this build."""


class NoLinks:
    """Links for rendering that is compared, not shown (opsmanual.render.content)."""

    def url(self, src: str) -> str:
        return "#"

    def source_link(self, src: str) -> str:
        return src

    def version_url(self, version) -> str:
        return "#"

    def title(self, src: str) -> str:
        return src


def css_string(text: str) -> Markup:
    """A value for CSS `content:`, quoted and escaped (it goes into a <style> element)."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")
    return Markup(f'"{escaped}"')


@cache
def templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = css_string
    env.filters["date"] = lambda value: value.isoformat() if isinstance(value, datetime.date) else str(value)
    return env


def compact(html: str) -> str:
    """No indentation (which Markdown would read as code) and no blank lines."""
    return "\n".join(line.strip() for line in html.splitlines() if line.strip())


def redline_page(prefix: str, page: str) -> str:
    """The page with the redline of one chapter (and the forms it embeds) in a revision's changes or a
    comparison: revisions/1.3/02-service.md, revisions/compare-1.0/forms-index.md; the home page's is home.md (an
    index.md there would be the revision's own page)."""
    name = page.removesuffix(".md").replace("/", "-")
    return f"{prefix}/{'home' if name == 'index' else name}.md"


class Renderer:
    def __init__(
        self,
        *,
        forms: FormSet,
        variables: dict,
        revision: Revision | None,
        links: Links,
        draft: bool = False,
        edition: Edition | None = None,
        cache: dict | None = None,
        embedded: dict[str, str] | None = None,
        site_url: str = "",
        pdf: bool = False,
    ):
        self.forms = forms
        self.pdf = pdf  # the build makes the PDFs (the edition, the revision's kit)
        self.site_url = site_url
        self.embedded = embedded or {}
        self.variables = variables
        self.revision = revision
        self.links = links
        self.draft = draft
        self.edition = edition
        self.cache = cache if cache is not None else {}

    # -- helpers -----------------------------------------------------------------------------
    def render(self, template: str, **context) -> str:
        for name, value in self.variables.items():
            context.setdefault(name, value)
        context.setdefault("revision", self.revision)
        context.setdefault("draft", self.draft)
        context.setdefault("url", self.links.url)
        context.setdefault("version_url", self.links.version_url)
        context.setdefault("page_title", self.links.title)
        context.setdefault("periods", PERIODS)
        context.setdefault("department", self.department)
        context.setdefault("in_chapter", self.in_chapter)
        context.setdefault("print_rule", self.print_rule if self.revision and self.site_url else None)
        return compact(templates().get_template(template).render(**context))

    def shared(self, template: str, key: tuple, **context) -> str:
        """render(), done once per build for every page that shows the same thing: only the relative URLs
        differ between those pages, and they are filled in for this page (escaped as Jinja would)."""
        html = self.cache.get((template, key))
        if html is None:
            html = self.cache[(template, key)] = self.render(
                template, url=lambda src: Markup(f"\x00url:{src}\x00"), **context
            )
        return URL_MARK.sub(lambda m: str(escape(self.links.url(m.group(1)))), html)

    def print_rule(self, page_name: str, form: Form) -> Markup:
        """The named @page of a form printed on its own: its code and title in the header, its currency check."""
        return self.page_rule(page_name, f"{form.code} {form.title}", form.url[: -len(".md")] + "/")

    def page_rule(self, page_name: str, document: str, path: str) -> Markup:
        """The named @page of a document printed within a page (a form, the kit's notice): the document in the
        header, the revision, dates, uncontrolled-copy line, QR code of its currency check and 第 X 页 共 Y 页."""
        from . import paper

        if not (self.revision and self.site_url):
            return Markup("")
        url = paper.check_url(self.site_url, self.revision.version, path)
        return Markup(
            paper.page_style(
                document, self.revision.title, self.revision.effective.isoformat(), url, self.draft, name=page_name
            )
        )

    def in_chapter(self, form: Form) -> str:
        """The URL of a form in its chapter: at the form, where the chapter embeds it, else the chapter."""
        page = self.embedded.get(form.code)
        return self.links.url(f"{page}#{form.slug}" if page else form.page)

    def form_of(self, code: str) -> Form:
        return self.forms[code]

    def subject_label(self, subject: str) -> tuple[str, str]:
        """(title, href) of a changed page or form code."""
        if subject.endswith(".md"):
            return self.links.title(subject), self.links.url(subject)
        form = self.forms.forms.get(subject)
        return (f"{subject} {form.title}" if form else subject), (self.links.url(form.url) if form else "")

    # -- forms -------------------------------------------------------------------------------
    def form(
        self,
        code: str,
        heading_level: int = 3,
        prefill: dict | None = None,
        rows: list | None = None,
        link_title: bool = True,
        standalone: bool = False,
    ) -> str:
        """A checklist or form embedded in the page: {{ form("SOS-01") }}."""
        form = self.form_of(code)
        unknown = set(prefill or {}) - set(form.header_labels)
        unknown |= {key for row in rows or [] for key in row} - {column.title for column in form.columns}
        if unknown:
            raise KeyError(
                f"{form.source.name}: 预填了 {sorted(unknown)}，但 {code} 没有这些栏目"
                f"（表头：{list(form.header_labels)}；栏目：{[c.title for c in form.columns]}）"
            )
        context = {
            "form": form,
            "heading_level": heading_level,
            "prefill": prefill or {},
            "prefill_rows": rows or [],
            "link_title": link_title,
            "standalone": standalone,
        }
        if prefill or rows:
            return self.render("form.html", **context)
        return self.shared("form.html", (code, heading_level, link_title, standalone), **context)

    def form_link(self, code: str) -> str:
        """A Markdown link to a form's page, with its code and title: {{ form_link("SOS-01") }}."""
        form = self.form_of(code)
        return f"[{form.code} {form.title}]({self.links.source_link(form.url)})"

    def form_page(self, code: str) -> str:
        form = self.form_of(code)
        return self.render(
            "form_page.html",
            form=form,
            body=Markup(self.form(code, heading_level=1, link_title=False, standalone=True)),
            changed=self._changed(code),
        )

    def forms_index(self) -> str:
        return self.render("forms_index.html", groups=self.forms.by_category(), changed=self._changed)

    def print_all_forms(self) -> str:
        """打印全部表格: the PDF of every form the publication makes (site/edition_pdf.py), and the list of forms."""
        forms_pdf = f"../{forms_pdf_name(self.revision.version)}" if self.pdf and self.revision is not None else ""
        return self.render("print_all.html", forms=list(self.forms), forms_pdf=forms_pdf)

    def _changed(self, subject: str) -> bool:
        edition = self.edition
        return bool(edition and edition.changed_here(subject))

    # -- pages made from the facts -------------------------------------------------------------
    def retention_schedule(self) -> str:
        groups: dict[str, list[Form]] = {}
        for form in self.forms:
            groups.setdefault(form.retention or "（未规定）", []).append(form)
        return self.render("retention.html", groups=groups)

    def escalation_matrix(self) -> str:
        return self.render(
            "escalation.html",
            levels=self.variables.get("levels", {}),
            events=self.variables.get("events", {}),
            resolve=self.resolve,
        )

    def calendar(self) -> str:
        rules = self.variables.get("rules", {})
        entries = []
        for fact in rules.values():
            data = fact.data if isinstance(fact.data, dict) else {}
            if isinstance(data.get("calendar"), dict):
                entry = data["calendar"]
                entries.append(
                    {
                        "period": entry.get("period", ""),
                        "task": entry.get("task", fact.name),
                        "when": fact.text,
                        "who": self.resolve(entry.get("who", "")),
                        "form": entry.get("form", ""),
                    }
                )
        for form in self.forms:
            if form.period and form.period != "per_event":
                entries.append(
                    {
                        "period": form.period,
                        "task": f"填写{form.title}",
                        "when": form.frequency,
                        "who": "、".join(form.roles),
                        "form": form.code,
                    }
                )
        order = list(PERIODS)
        entries.sort(key=lambda e: (order.index(e["period"]) if e["period"] in order else 99, e["task"]))
        return self.render("calendar.html", entries=entries)

    def role_guide(self) -> str:
        roles = [
            fact
            for fact in self.variables.get("roles", {}).values()
            if isinstance(fact.data, dict) and fact.data.get("summary")
        ]
        forms_of = {fact.key: [f for f in self.forms if fact.text in f.roles] for fact in roles}
        return self.render("roles.html", roles=roles, forms_of=forms_of)

    def glossary(self) -> str:
        terms = list(self.variables.get("glossary", {}).values())
        return self.render("glossary.html", terms=terms)

    def department(self, key: str) -> str:
        """A department's name; archives made before facts/departments.yml kept them under company."""
        departments = self.variables.get("departments", {})
        if key in departments:
            return str(departments[key])
        legacy = {"hr": "hr_department", "finance": "finance_department", "admin": "admin_department"}.get(key, key)
        return str(self.variables.get("company", {}).get(legacy, key))

    def resolve(self, reference: str):
        """'departments.finance' or 'rules.x' -> the fact (which reads as its text); anything else as given."""
        namespace, _, key = str(reference).partition(".")
        found = self.variables.get(namespace, {})
        return found.get(key, reference) if key else reference

    # -- revisions ---------------------------------------------------------------------------
    def revision_register(self) -> str:
        edition = self.edition
        return self.render(
            "register.html", register=edition.register, edition=edition, subject_label=self.subject_label
        )

    def revision_changes(self, version: str) -> str:
        """What changed in one revision: its entry, then every changed page and form, by chapter, each chapter's
        redline on a page of its own (revision_changes_page)."""
        edition = self.edition
        revision = edition.register[version]
        previous = edition.register.previous(revision)
        comparison = edition.history.comparison(revision.version)
        return self.render(
            "changes.html",
            shown=revision,
            previous=previous,
            comparison=comparison,
            groups=self._redline_groups(comparison, revision, f"revisions/{revision.version}"),
            edition=edition,
            compare_choices=edition.compare_choices(),
            kit_url=self.links.url(f"revisions/{revision.version}-kit.md"),
        )

    def revision_changes_page(self, version: str, page: str) -> str:
        """The redline of one chapter and its forms in a revision."""
        revision = self.edition.register[version]
        comparison = self.edition.history.comparison(revision.version)
        return self._redline_page(
            comparison,
            revision,
            page,
            f"revisions/{revision.version}.md",
            older=self.edition.register.previous(revision),
            newer=revision,
        )

    def revision_compare(self, older: str) -> str:
        """Any earlier revision against the one built: every page and form that differs, by chapter."""
        edition = self.edition
        old_version = Version.parse(older)
        comparison = edition.history.between(old_version, edition.revision.version)
        return self.render(
            "compare.html",
            older=edition.register[old_version],
            newer=edition.revision,
            comparison=comparison,
            groups=self._redline_groups(comparison, None, f"revisions/compare-{older}"),
            compare_choices=edition.compare_choices(),
        )

    def revision_compare_page(self, older: str, page: str) -> str:
        edition = self.edition
        old_version = Version.parse(older)
        comparison = edition.history.between(old_version, edition.revision.version)
        return self._redline_page(
            comparison,
            None,
            page,
            f"revisions/compare-{older}.md",
            older=edition.register[old_version],
            newer=edition.revision,
        )

    def _redline_page(self, comparison, revision: Revision | None, page: str, back: str, older, newer) -> str:
        sections = self._redline_sections(revision, comparison.by_page().get(page, []) if comparison else [])
        return self.render(
            "redline_page.html",
            sections=sections,
            page_label=self.subject_label(page)[0],
            back_url=self.links.url(back),
            back_title=self.links.title(back),
            older=older,
            newer=newer,
        )

    def _redline_groups(self, comparison, revision: Revision | None, prefix: str) -> list[dict]:
        """Each chapter with changes: its redline page and what changed in it (page and forms, with the register's words)."""
        if comparison is None or comparison.old is None:
            return []
        groups = []
        for page, diffs in comparison.by_page().items():
            subjects = []
            for diff in diffs:
                label, _href = self.subject_label(diff.subject)
                change = revision.change_for(diff.subject) if revision else None
                subjects.append(
                    {
                        "label": label,
                        "status": diff.status,
                        "changes": len(diff.operations),
                        "description": change.description if change else "",
                    }
                )
            groups.append(
                {
                    "label": self.subject_label(page)[0],
                    "href": self.links.url(redline_page(prefix, page)),
                    "subjects": subjects,
                    "changes": sum(s["changes"] for s in subjects),
                }
            )
        return groups

    def _redline_sections(self, revision: Revision | None, diffs) -> list[dict]:
        sections = []
        for diff in diffs:
            label, href = self.subject_label(diff.subject)
            change = revision.change_for(diff.subject) if revision else None
            sections.append(
                {
                    "subject": diff.subject,
                    "label": label,
                    "href": href,
                    "diff": diff,
                    "description": change.description if change else "",
                    "html": Markup(redline.render(diff)),
                }
            )
        return sections

    def kit_documents(self, version: str) -> dict:
        """The paper kit of a revision: its notice, the read-and-sign sheet (REC-05) and the destruction record
        (REC-06) filled in with the revision, the chapters whose redline it has, and the forms it changed."""
        edition = self.edition
        revision = edition.register[version]
        previous = edition.register.previous(revision)
        read_sign = (
            self.form(
                "REC-05",
                heading_level=2,
                prefill={
                    "修订号": f"{revision.title}（{revision.version}）",
                    "发文编号": revision.notice or revision.kind,
                    "生效日期": revision.effective.isoformat(),
                },
                rows=[{"岗位": role, "是否需要培训": "是"} for role in revision.retrain],
                standalone=True,
            )
            if "REC-05" in self.forms
            else ""
        )
        withdrawn_rows = (
            [
                {
                    "资料名称/编号": f"《办事处营运手册》及所附表格的打印件（{previous.title}）",
                    "原版本或所属期间": previous.title,
                }
            ]
            if previous
            else []
        )
        withdrawn = ""
        if "REC-06" in self.forms:
            form = self.forms["REC-06"]
            prefill = {
                label: value
                for label, value in (
                    ("销毁类别（过时资料/到期档案）", "过时资料"),
                    ("对应修订号或档案年度", f"{revision.title}（{revision.version}）"),
                    ("生效日期", revision.effective.isoformat()),
                )
                if label in form.header_labels
            }
            rows = [{k: v for k, v in row.items() if k in {c.title for c in form.columns}} for row in withdrawn_rows]
            withdrawn = self.form("REC-06", heading_level=2, prefill=prefill, rows=rows, standalone=True)
        comparison = edition.history.comparison(revision.version)
        redlines, forms = [], []
        if comparison is not None and comparison.old is not None:
            for page, diffs in comparison.by_page().items():
                redlines.append(
                    {
                        "page": page,
                        "label": self.subject_label(page)[0],
                        "src": redline_page(f"revisions/{revision.version}", page),
                    }
                )
                forms += [
                    diff.subject
                    for diff in diffs
                    if not diff.subject.endswith(".md") and diff.status != "removed" and diff.subject in self.forms
                ]
        notice_title = f"{revision.title} 修订通知"
        notice = self.render(
            "kit_notice.html",
            shown=revision,
            previous=previous,
            subject_label=self.subject_label,
            notice_rule=self.page_rule("notice", notice_title, f"revisions/{revision.version}-kit/"),
        )
        return {
            "revision": revision,
            "previous": previous,
            "notice": Markup(notice),
            "notice_title": notice_title,
            "read_sign": Markup(read_sign),
            "withdrawn": Markup(withdrawn),
            "redlines": redlines,
            "forms": [self.forms[code] for code in forms],
        }

    def revision_kit(self, version: str) -> str:
        """The kit's page: the notice, the read-and-sign sheet and the destruction record to print from the
        browser; links to the redline of each chapter and to each changed form; the kit as one PDF (made at
        publication, each document numbered on its own: site/kit_pdf.py) when this build makes PDFs."""
        kit = self.kit_documents(version)
        revision = kit["revision"]
        kit_pdf = self.pdf and self.revision is not None and revision.version == self.revision.version
        return self.render(
            "kit.html",
            shown=revision,
            notice=kit["notice"],
            read_sign=kit["read_sign"],
            withdrawn=kit["withdrawn"],
            kit_pdf=f"../{kit_file_name(revision.version)}" if kit_pdf else "",
            redlines=[{"label": r["label"], "url": self.links.url(r["src"])} for r in kit["redlines"]],
            forms=[{"form": f, "url": self.links.url(f.url)} for f in kit["forms"]],
            changes_url=self.links.url(f"revisions/{revision.version}.md"),
        )


def forms_pdf_name(version) -> str:
    """The PDF of every form (Annex 1 of the edition), beside the forms' pages: <version>/forms/forms-<version>.pdf."""
    return f"forms-{version}.pdf"


def kit_file_name(version) -> str:
    """The kit PDF of a revision, beside its page: <version>/revisions/<version>-kit.pdf in the published tree."""
    return f"{version}-kit.pdf"
