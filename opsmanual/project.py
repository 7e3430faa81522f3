"""The project model: every path and name of the manual, read once from mkdocs.yml.

The CLI, the mkdocs plugin, publishing, archiving and the link check all receive a Project instead of
deriving paths themselves; nothing else reads mkdocs.yml.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .errors import ManualError

CONFIG_FILE = "mkdocs.yml"
TODAY_ENV = "MANUAL_TODAY"  # a clock tests can set: YYYY-MM-DD


def today() -> datetime.date:
    """Today's date for every rule that depends on it (effective dates, review dates); MANUAL_TODAY overrides."""
    text = os.environ.get(TODAY_ENV, "").strip()
    if text:
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise ManualError(f"环境变量 {TODAY_ENV}={text!r} 不是 YYYY-MM-DD 形式的日期") from None
    return datetime.date.today()


@dataclass(frozen=True)
class Project:
    root: Path
    docs_dir: Path
    site_url: str
    nav: tuple
    forms_dir: Path
    facts_dir: Path
    register_file: Path
    roster_file: Path
    history_dir: Path
    pages_branch: str
    tag_prefix: str
    default_alias: str
    markdown_extensions: tuple
    mdx_configs: dict
    build_version: str = ""  # "" = the working tree
    publish_as: str = ""  # the version a build for publication is published as
    draft: bool = False
    pdf: bool = False
    review_warning_days: int = 30

    @property
    def site_host(self) -> str:
        return urlsplit(self.site_url).hostname or ""

    def tag(self, version) -> str:
        return f"{self.tag_prefix}{version}"

    def archive_dir(self, version) -> Path:
        return self.history_dir / str(version)

    def relative(self, path: Path) -> str:
        try:
            return str(Path(path).resolve().relative_to(self.root))
        except ValueError:
            return str(path)

    @classmethod
    def from_config(cls, config, options) -> Project:
        """From mkdocs' validated config and the plugin's (opsmanual.site.config.ManualConfig)."""
        from .site.config import ENVIRONMENT

        root = Path(config.config_file_path).resolve().parent
        version = (config.extra or {}).get("version") or {}
        env = {key: os.environ.get(name, "").strip() for key, name in ENVIRONMENT.items()}
        return cls(
            root=root,
            docs_dir=Path(config.docs_dir).resolve(),
            site_url=config.site_url or "",
            nav=tuple(config.nav or ()),
            forms_dir=root / options.forms_dir,
            facts_dir=root / options.facts_dir,
            register_file=root / options.register,
            roster_file=root / options.roster,
            history_dir=root / options.history_dir,
            pages_branch=options.pages_branch,
            tag_prefix=options.tag_prefix,
            default_alias=version.get("default", "latest") if isinstance(version, dict) else "latest",
            markdown_extensions=tuple(config.markdown_extensions),
            mdx_configs=dict(config.mdx_configs),
            build_version=options.version or env["version"],
            publish_as=options.publish_as or env["publish_as"],
            draft=options.draft or env["draft"].lower() in ("1", "true", "yes"),
            pdf=options.pdf or env["pdf"].lower() in ("1", "true", "yes"),
            review_warning_days=options.review_warning_days,
        )

    @classmethod
    def load(cls, root: Path) -> Project:
        """Read mkdocs.yml of a project folder (what the CLI does; the plugin gets the same from mkdocs)."""
        from mkdocs.config import load_config
        from mkdocs.exceptions import ConfigurationError

        config_file = Path(root) / CONFIG_FILE
        try:
            with open(config_file, "rb") as handle:
                config = load_config(handle, config_file_path=str(config_file))
        except FileNotFoundError:
            raise ManualError(f"找不到 {config_file}") from None
        except ConfigurationError as exc:
            raise ManualError(f"{config_file} 有误：{exc}") from None
        plugin = config.plugins.get("opsmanual")
        if plugin is None:
            raise ManualError(f"{config_file} 的 plugins 中没有 opsmanual")
        return cls.from_config(config, plugin.config)


def find_root(start: Path) -> Path:
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file() and (folder / "revisions.yml").is_file():
            return folder
    raise ManualError(
        f"在 {start} 及其上级目录中找不到手册（含 mkdocs.yml 和 revisions.yml 的目录）：请在手册仓库中运行"
    )
