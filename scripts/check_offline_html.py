#!/usr/bin/env python3
"""Check that the built book loads nothing from the internet and typesets its math.

Usage::

    python scripts/check_offline_html.py [HTML_DIR]      # default: _build/html

Exit status 0 with a one-line summary when the site is self-contained; exit status 1
with one line per problem (file, then what is wrong) otherwise. From Python (for a
pytest test)::

    from scripts.check_offline_html import check
    assert check(Path("_build/html")) == []

What counts as a problem, in every ``.html`` file under HTML_DIR:

* a remote URL (``http://``, ``https://`` or protocol-relative ``//``) where the
  browser *loads* it when the page is shown: ``<script src>``, ``<img src/srcset>``,
  ``<source>``, ``<audio>``, ``<video>``, ``<track>``, ``<iframe>``, ``<embed>``,
  ``<object data>``, ``<input type=image>``, and ``<link href>`` of any kind except
  plain navigation links (stylesheets, preloads, fonts, icons, manifests, and also
  ``preconnect``/``dns-prefetch``, which contact a host);
* a remote ``url(...)`` or ``@import`` in inline ``<style>`` or a ``style=``
  attribute;
* a known CDN host (see ``CDN_HOSTS``) anywhere in the page's attribute values,
  inline scripts or inline styles. Ordinary ``<a href>`` links are outward links
  a reader may click (the Colab and Binder buttons, citations) and are allowed, as
  is prose that merely mentions a host;
* a local script or stylesheet the page loads that does not exist in HTML_DIR;
* a known CDN host in any local JS or CSS file a page loads, or a remote
  ``url(...)``/``@import`` in such a CSS file (stylesheets it ``@import``s are
  followed). A few exactly known, inert strings inside the MathJax bundle are
  allowed, each with its reason in ``MATHJAX_INERT``;
* a page with math (an element of class ``math``) without a ``<script>`` that loads
  a MathJax file present in HTML_DIR, or, for MathJax's CHTML output, without its
  web fonts next to it (``output/chtml/fonts/woff-v2``).

Standard library only.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: Hosts that serve JavaScript, CSS or fonts to other sites. Any of them in what a
#: page loads means the page needs the internet (and tells that host who reads it).
CDN_HOSTS = (
    "cdn.jsdelivr.net",
    "fastly.jsdelivr.net",
    "cdnjs.cloudflare.com",
    "unpkg.com",
    "polyfill.io",
    "mathjax.org",  # cdn.mathjax.org and the rest of the domain
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "ajax.googleapis.com",
    "code.jquery.com",
    "stackpath.bootstrapcdn.com",
    "maxcdn.bootstrapcdn.com",
    "cdn.bootcdn.net",
    "use.fontawesome.com",
    "kit.fontawesome.com",
    "cdn.plot.ly",
    "esm.sh",
    "cdn.skypack.dev",
    "requirejs.org",
    "www.googletagmanager.com",
    "www.google-analytics.com",
    "plausible.io",
)
_CDN_RE = re.compile(
    r"(?<![a-z0-9-])(?:[a-z0-9-]+\.)*(?:" + "|".join(re.escape(h) for h in CDN_HOSTS) + r")",
    re.IGNORECASE,
)

#: Exact strings in MathJax 3's combined components (``tex-chtml.js`` and friends)
#: that name a remote host but never make the browser fetch anything here.
MATHJAX_INERT = {
    # The "About MathJax" and "MathJax Help" dialogs of the right-click menu show a
    # link to the project's home page: a link the reader may click, not a load.
    '<a href="https://www.mathjax.org">www.mathjax.org</a>': "link in a menu dialog",
    # Defaults of the bundled speech-rule engine. MathJax overrides the first one
    # with its own path, [mathjax]/sre/mathmaps (served from the built site); the
    # second is used only by Internet Explorer; the third is an XPath polyfill,
    # loaded only by browsers without document.evaluate.
    '.url="https://cdn.jsdelivr.net/npm/speech-rule-engine@': "overridden by [mathjax]/sre",
    '.mathmapsIePath="https://cdn.jsdelivr.net/npm/sre-mathmaps-ie@': "Internet Explorer only",
    '.WGXpath="https://cdn.jsdelivr.net/npm/wicked-good-xpath@': "old browsers only",
}

_REMOTE_RE = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
_CSS_URL_RE = re.compile(
    r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)|url\(\s*["']?([^"')]+?)["']?\s*\)""",
    re.IGNORECASE,
)
# rel values of <link> that only describe navigation; the browser fetches nothing.
_NAV_RELS = set(
    "alternate author bookmark canonical external first glossary help index last "
    "license me next nofollow noopener noreferrer prev previous search tag top up "
    "contents copyright chapter section subsection appendix start".split()
)
# Elements and the attributes through which they load a resource on page load.
_LOADING_ATTRS = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "audio": ("src",),
    "video": ("src", "poster"),
    "track": ("src",),
    "iframe": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}
_NOT_PAGES = {"_static", "_sources", "_images"}
_MATHJAX_FILE_RE = re.compile(
    r"(?:^|/)(?:tex|mml|tex-mml)-(?:chtml|svg)(?:-full)?(?:-speech)?\.js$"
    r"|(?:^|/)startup\.js$|(?:^|/)MathJax\.js$",
    re.IGNORECASE,
)


def _is_remote(url: str) -> bool:
    return bool(_REMOTE_RE.match(url))


def _srcset_urls(value: str) -> list[str]:
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def _local_path(url: str, base_dir: Path, root: Path) -> Path | None:
    """The file a local URL points to, or None for data:, javascript:, etc."""
    parts = urlsplit(url.strip())
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        return root / path.lstrip("/")
    return base_dir / path


def _cdn_hits(text: str) -> list[str]:
    return sorted({m.group(0).lower() for m in _CDN_RE.finditer(text)})


def _strip_mathjax_inert(text: str) -> str:
    for snippet in MATHJAX_INERT:
        text = text.replace(snippet, "")
    return text


@dataclass
class _Page:
    """What one HTML file loads, as seen by the parser."""

    loads: list[tuple[str, str]] = field(default_factory=list)  # (what, url)
    scripts: list[str] = field(default_factory=list)  # <script src> values
    stylesheets: list[str] = field(default_factory=list)  # <link rel=stylesheet> href
    attr_text: list[str] = field(default_factory=list)  # attribute values to scan
    inline_code: list[str] = field(default_factory=list)  # <script>/<style> bodies
    inline_css: list[str] = field(default_factory=list)  # <style> and style= text
    has_math: bool = False


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = _Page()
        self._raw_tag: str | None = None  # inside <script> or <style>
        self._raw_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        page = self.page
        if "math" in a.get("class", "").split():
            page.has_math = True
        for name, value in a.items():
            if tag == "a" and name == "href":
                continue  # an outward link, followed only when clicked
            page.attr_text.append(value)
            if name == "style":
                page.inline_css.append(value)
        if tag == "link":
            rels = set(a.get("rel", "").lower().split())
            href = a.get("href", "")
            if href and rels - _NAV_RELS:
                page.loads.append((f"<link rel={' '.join(sorted(rels))!r} href>", href))
                if "stylesheet" in rels:
                    page.stylesheets.append(href)
                if "preload" in rels or "modulepreload" in rels:
                    if a.get("as", "").lower() == "script" or "modulepreload" in rels:
                        page.scripts.append(href)
                    elif a.get("as", "").lower() == "style":
                        page.stylesheets.append(href)
        for attr in _LOADING_ATTRS.get(tag, ()):
            value = a.get(attr)
            if not value:
                continue
            if tag == "input" and a.get("type", "").lower() != "image":
                continue
            urls = _srcset_urls(value) if attr == "srcset" else [value]
            for url in urls:
                page.loads.append((f"<{tag} {attr}>", url))
            if tag == "script":
                page.scripts.append(value)
        if tag in ("script", "style"):
            self._raw_tag, self._raw_text = tag, []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._raw_tag = None

    def handle_data(self, data: str) -> None:
        if self._raw_tag is not None:
            self._raw_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._raw_tag is not None and tag == self._raw_tag:
            body = "".join(self._raw_text)
            self.page.inline_code.append(body)
            if tag == "style":
                self.page.inline_css.append(body)
            self._raw_tag = None


def _parse(path: Path) -> _Page:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser.page


def _css_problems(css: str, where: str) -> tuple[list[str], list[str]]:
    """Problems in a piece of CSS, and the local URLs it refers to."""
    problems, local = [], []
    for m in _CSS_URL_RE.finditer(css):
        url = (m.group(1) or m.group(2) or "").strip()
        if _is_remote(url):
            problems.append(f"{where}: remote URL in CSS: {url}")
        elif url and not url.startswith(("data:", "#")):
            local.append(url)
    return problems, local


@dataclass
class _Stats:
    pages: int = 0
    math_pages: int = 0
    assets: int = 0
    mathjax: set[str] = field(default_factory=set)


def check(html_dir: Path) -> list[str]:
    """Return every problem found in the built site at ``html_dir`` (empty: all good)."""
    return _scan(Path(html_dir))[0]


def _scan(root: Path) -> tuple[list[str], _Stats]:
    stats = _Stats()
    if not root.is_dir():
        return [f"{root}: no such directory (build the book first: jupyter-book build .)"], stats
    # Sphinx copies theme template fragments (e.g. _static/webpack-macros.html, with
    # unrendered Jinja in them) and page sources into these folders: not pages.
    pages = sorted(p for p in root.rglob("*.html") if p.relative_to(root).parts[0] not in _NOT_PAGES)
    if not pages:
        return [f"{root}: no .html files found"], stats
    stats.pages = len(pages)

    problems: list[str] = []
    assets: dict[Path, set[str]] = {}  # local JS/CSS file -> pages that load it

    def rel(p: Path) -> str:
        try:
            return p.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return str(p)

    for html in pages:
        where = rel(html)
        page = _parse(html)

        for what, url in page.loads:
            if _is_remote(url):
                problems.append(f"{where}: {what} loads a remote URL: {url}")

        for text in page.attr_text + page.inline_code:
            for host in _cdn_hits(text):
                problems.append(f"{where}: CDN host {host!r} in the page: {text.strip()[:160]}")

        for css in page.inline_css:
            found, _ = _css_problems(css, where)
            problems.extend(found)

        for url in page.scripts + page.stylesheets:
            if _is_remote(url):
                continue  # reported above
            target = _local_path(url, html.parent, root)
            if target is None:
                continue
            if not target.is_file():
                problems.append(f"{where}: loads {url}, which is missing from {root}")
                continue
            assets.setdefault(target.resolve(), set()).add(where)

        if page.has_math:
            stats.math_pages += 1
            mathjax = [
                s for s in page.scripts if not _is_remote(s) and _MATHJAX_FILE_RE.search(urlsplit(s).path)
            ]
            found = [
                t for s in mathjax if (t := _local_path(s, html.parent, root)) is not None and t.is_file()
            ]
            if not found:
                problems.append(
                    f"{where}: page has math but no <script> loading a MathJax file that "
                    f"exists in {root} (scripts: {', '.join(page.scripts) or 'none'})"
                )
            for script in found:
                stats.mathjax.add(rel(script))
                if "chtml" in script.name:
                    fonts = script.parent / "output" / "chtml" / "fonts" / "woff-v2"
                    if not fonts.is_dir() or not any(fonts.iterdir()):
                        problems.append(
                            f"{where}: MathJax CHTML fonts missing: {rel(fonts)} (formulas "
                            "would render without their fonts)"
                        )

    # The local JS and CSS the pages load (and the CSS those @import).
    seen: set[Path] = set()
    queue = sorted(assets)
    while queue:
        asset = queue.pop()
        if asset in seen:
            continue
        seen.add(asset)
        where = rel(asset)
        text = asset.read_text(encoding="utf-8", errors="replace")
        if asset.suffix == ".js":
            if "mathjax" in asset.as_posix().lower():
                text = _strip_mathjax_inert(text)
            for host in _cdn_hits(text):
                problems.append(f"{where}: CDN host {host!r} in a script the pages load")
        elif asset.suffix == ".css":
            found, local = _css_problems(text, where)
            problems.extend(found)
            for host in _cdn_hits(text):
                problems.append(f"{where}: CDN host {host!r} in a stylesheet the pages load")
            for url in local:
                target = _local_path(url, asset.parent, root)
                if target is not None and target.suffix == ".css" and target.is_file():
                    queue.append(target.resolve())

    stats.assets = len(seen)
    return problems, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Fail if the built book loads anything from the internet "
        "or lacks a local MathJax on a page with math."
    )
    parser.add_argument(
        "html_dir",
        nargs="?",
        default="_build/html",
        type=Path,
        help="the built HTML folder (default: _build/html)",
    )
    args = parser.parse_args(argv)
    problems, stats = _scan(args.html_dir)
    if problems:
        for problem in problems:
            print(problem)
        print(
            f"check_offline_html: FAILED, {len(problems)} problem(s) in {args.html_dir}",
            file=sys.stderr,
        )
        return 1
    print(
        f"check_offline_html: OK: {stats.pages} pages in {args.html_dir}, "
        f"{stats.math_pages} with math typeset by a local MathJax "
        f"({', '.join(sorted(stats.mathjax)) or 'none needed'}), "
        f"{stats.assets} local JS/CSS files scanned, nothing loaded from the internet"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
