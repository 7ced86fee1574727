"""Sphinx extension: keep the built book free of resources loaded from the internet.

Jupyter Book loads it from ``_config.yml`` (``sphinx.local_extensions``). It does
three small things; ``scripts/check_offline_html.py`` checks the result.

1. **MathJax is served from the built site.** The pinned ``sphinx-mathjax-offline``
   package ships MathJax 3.2.2 inside its wheel. It sets ``mathjax_path`` to
   ``mathjax/tex-chtml.js`` (a path under ``_static/``) and, when the build has
   finished, copies its MathJax folder to ``<outdir>/_static/mathjax``. Because the
   copy happens after the pages are written (and MathJax is not in a source
   ``_static/`` folder), Jupyter Book does not add a ``<script>`` tag per MathJax
   file. Here we only guard it: a ``mathjax_path`` that is a URL (Sphinx's default
   is a CDN) and a MathJax script missing from the output are reported as warnings,
   which the strict build (``-W``) turns into errors.

2. **No thebe CDN URL in the pages.** ``sphinx-thebe``, which Jupyter Book always
   loads, writes ``const THEBE_JS_URL = "https://unpkg.com/thebe@..."`` into every
   page and adds ``sphinx-thebe.js``, even when the "Live Code" launch button is off.
   The book does not use thebe (running code needs Binder anyway, and the Binder and
   Colab launch buttons are plain links), so while ``launch_buttons.thebe`` is not
   true we drop those two scripts from every page.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

_REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


def _is_html_builder(app: Sphinx) -> bool:
    return app.builder is not None and app.builder.format == "html"


def _thebe_enabled(app: Sphinx) -> bool:
    options = app.config.html_theme_options or {}
    launch = options.get("launch_buttons") or {}
    return str(launch.get("thebe", False)).lower() == "true"


def _check_mathjax_path(app: Sphinx) -> None:
    if not _is_html_builder(app):
        return
    path = str(app.config.mathjax_path or "")
    if _REMOTE.match(path):
        logger.warning(
            "[offline_site] mathjax_path is a URL (%s): MathJax would load from the "
            "internet. Keep 'sphinx-mathjax-offline' in sphinx.extra_extensions "
            "(it sets mathjax_path to mathjax/tex-chtml.js) and do not set "
            "mathjax_path to a URL.",
            path,
        )


def _drop_thebe_scripts(app: Sphinx, pagename, templatename, context, doctree) -> None:
    if _thebe_enabled(app):
        return
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    keep = []
    for js in scripts:
        filename = str(getattr(js, "filename", js) or "")
        body = str(getattr(js, "attributes", {}).get("body", ""))
        if filename.endswith("sphinx-thebe.js") or "THEBE_JS_URL" in body:
            continue
        keep.append(js)
    # In place: the list is the builder's own, restored from its backup before
    # each page, so this affects only the page being written.
    scripts[:] = keep


def _check_mathjax_copied(app: Sphinx, exc: Exception | None) -> None:
    if exc is not None or not _is_html_builder(app):
        return
    path = str(app.config.mathjax_path or "")
    if not path or _REMOTE.match(path):
        return  # already reported by _check_mathjax_path
    target = Path(app.outdir, "_static", path.split("?")[0].split("#")[0])
    if not target.is_file():
        logger.warning(
            "[offline_site] MathJax script %s is missing from the built site; "
            "is 'sphinx-mathjax-offline' installed and in sphinx.extra_extensions?",
            target,
        )


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", _check_mathjax_path)
    # Late, so that scripts added by other html-page-context handlers are seen.
    app.connect("html-page-context", _drop_thebe_scripts, priority=900)
    # After sphinx-mathjax-offline's own build-finished handler has copied MathJax.
    app.connect("build-finished", _check_mathjax_copied, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
