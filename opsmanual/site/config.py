"""The options of the manual's mkdocs plugin, declared once (as Material declares its plugins' options).

The project model (opsmanual.project) reads them from mkdocs.yml through this class, so the CLI, the plugin,
publishing and the link check agree on every path and name.
"""

from __future__ import annotations

from mkdocs.config import config_options as option
from mkdocs.config.base import Config

#: The environment variables that set an option when it is not set in mkdocs.yml (Project.from_config).
ENVIRONMENT = {
    "version": "MANUAL_VERSION",
    "publish_as": "MANUAL_PUBLISH_AS",
    "draft": "MANUAL_DRAFT",
    "pdf": "MANUAL_PDF",
}


class ManualConfig(Config):
    # Where the data of the manual lives, relative to mkdocs.yml.
    forms_dir = option.Type(str, default="checklists")
    facts_dir = option.Type(str, default="facts")
    register = option.Type(str, default="revisions.yml")
    roster = option.Type(str, default="roster.yml")
    history_dir = option.Type(str, default="history")
    # Where publications go: mike's branch, and the tag of each published revision's source.
    pages_branch = option.Type(str, default="gh-pages")
    tag_prefix = option.Type(str, default="manual-")
    # Which registered revision this build is: "" builds the working tree (the register's newest entry or a
    # draft of the next one); "1.1" builds history/1.1/. `manual publish` sets it through MANUAL_VERSION.
    version = option.Type(str, default="")
    # The version this build is published as (`manual publish` sets MANUAL_PUBLISH_AS): the site's URL gets
    # /<version>/, as in the published tree (the 404 page's links and the canonical links use it).
    publish_as = option.Type(str, default="")
    # A draft preview (`manual serve`, or MANUAL_DRAFT=true): every page says so.
    draft = option.Type(bool, default=False)
    # Make the controlled edition (manual-<version>.pdf) in the build: `manual publish` does (MANUAL_PDF=true).
    pdf = option.Type(bool, default=False)
    # Pages whose next review date is this near are warned about; past it `manual check` fails.
    review_warning_days = option.Type(int, default=30)
    # Collapse the indentation of the theme's templates in every page (not the page's content).
    compact_html = option.Type(bool, default=True)
