"""The paper kit of the revision a build makes, as one PDF to print in one job (<version>/revisions/<version>-kit.pdf):
the notice, the read-and-sign sheet, the destruction record, the redline of every changed chapter and every form
the revision changed, each numbered on its own (第 X 页 共 Y 页 of its sheets), each with its currency check's
QR code. The renderer says what goes in (Renderer.kit_documents); opsmanual.render.pdf lays it out."""
from __future__ import annotations

from pathlib import Path

from ..render import paper, pdf
from ..render.renderer import Renderer, kit_file_name


def documents(renderer: Renderer, version: str, site_url: str) -> list[pdf.Document]:
    kit = renderer.kit_documents(version)
    revision = kit["revision"]

    def check(path: str, title: str) -> str:
        return paper.check_url(site_url, revision.version, path, title)

    kit_path = f"revisions/{revision.version}-kit/"
    found = [pdf.Document("notice", kit["notice_title"], str(kit["notice"]), check(kit_path, kit["notice_title"]))]
    for code, html in (("REC-05", kit["read_sign"]), ("REC-06", kit["withdrawn"])):
        if html:
            form = renderer.forms[code]
            found.append(pdf.Document(code.lower(), f"{code} {form.title}", str(html), check(kit_path, code)))
    for item in kit["redlines"]:
        title = f"{item['label']} 修订对照"
        path = item["src"].removesuffix(".md") + "/"
        found.append(pdf.Document("redline-" + path.strip("/").replace("/", "-"), title,
                                  renderer.revision_changes_page(version, item["page"]), check(path, title)))
    for form in kit["forms"]:
        found.append(pdf.Document(f"form-{form.slug}", f"{form.code} {form.title}",
                                  renderer.form(form.code, heading_level=1, link_title=False), check(f"forms/{form.slug}/", form.code)))
    return found


def write(edition, renderer: Renderer, site_dir: Path, site_url: str, log) -> pdf.Written:
    revision = edition.revision
    target = site_dir / "revisions" / kit_file_name(revision.version)
    return pdf.write_documents(documents(renderer, str(revision.version), site_url), target, base_url=str(site_dir) + "/",
                               revision_title=revision.title, effective=revision.effective.isoformat(),
                               metadata={"/Title": f"办事处营运手册 {revision.title} 办事处文件包",
                                         "/Subject": f"{revision.title}（{revision.version}）修订文件包"}, log=log)
