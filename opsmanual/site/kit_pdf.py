"""The paper kit of the revision a build makes, as one PDF to print in one job (<version>/revisions/<version>-kit.pdf):
the notice, the read-and-sign sheet, the destruction record, the redline of every changed chapter and every form
the revision changed, each numbered on its own (第 X 页 共 Y 页 of its sheets), every sheet with the QR code of the
kit's currency check. The renderer says what goes in (Renderer.kit_documents); opsmanual.render.pdf lays it out."""

from __future__ import annotations

from pathlib import Path

from ..render import paper, pdf
from ..render.renderer import Renderer, kit_file_name


def documents(renderer: Renderer, version: str) -> list[pdf.Document]:
    kit = renderer.kit_documents(version)
    found = [pdf.Document("notice", kit["notice_title"], str(kit["notice"]))]
    for code, html in (("REC-05", kit["read_sign"]), ("REC-06", kit["withdrawn"])):
        if html:
            found.append(pdf.Document(code.lower(), f"{code} {renderer.forms[code].title}", str(html)))
    for item in kit["redlines"]:
        key = "redline-" + item["src"].removesuffix(".md").replace("/", "-")
        found.append(
            pdf.Document(key, f"{item['label']} 修订对照", renderer.revision_changes_page(version, item["page"]))
        )
    for form in kit["forms"]:
        found.append(
            pdf.Document(
                f"form-{form.slug}",
                f"{form.code} {form.title}",
                renderer.form(form.code, heading_level=1, link_title=False),
            )
        )
    return found


def start(edition, renderer: Renderer, site_dir: Path, site_url: str, log, shared):
    """The kit begun in the shared workers; the function returned finishes it (pdf.start_documents)."""
    revision = edition.revision
    target = site_dir / "revisions" / kit_file_name(revision.version)
    return pdf.start_documents(
        documents(renderer, str(revision.version)),
        target,
        base_url=str(site_dir) + "/",
        revision_title=revision.title,
        effective=revision.effective.isoformat(),
        site_url=paper.revision_home(site_url, revision.version),
        check_url=paper.check_url(site_url, revision.version, f"revisions/{revision.version}-kit/"),
        metadata={
            "/Title": f"办事处营运手册 {revision.title} 办事处文件包",
            "/Subject": f"{revision.title}（{revision.version}）修订文件包",
        },
        log=log,
        shared=shared,
    )
