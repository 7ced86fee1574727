#!/usr/bin/env python3
"""Page weight of the built book: each page with the files it makes a browser fetch.

Usage::

    python scripts/page_weight.py [HTML_DIR] [--max-image-kb 300] [--max-own-kb 1500] [--max-page-kb 6000]

For every HTML page under HTML_DIR (default ``_build/html``) it adds up, each file
counted once per page:

* the page itself;
* its images (``<img src/srcset>``, ``<source>``, ``<video poster>``);
* the scripts and stylesheets it loads (``<script src>``, ``<link rel=stylesheet>``,
  preloads), and what those stylesheets pull in with ``url(...)``/``@import`` (fonts,
  icons; an upper bound, as a browser fetches a font only when text uses it; of the
  formats a ``@font-face`` offers only the woff2 one is counted).

MathJax loads its fonts and extensions at run time from its own script; those are not
seen in the HTML and not counted, except the script the page names. Shared files
(theme CSS and JS, MathJax) are fetched once and then cached, so the column that
matters from page to page is ``own``: the page's HTML and its images.

It prints a table, the heaviest images, and a check, and exits with status 1 when
an image is larger than ``--max-image-kb`` (figures must be sized for the web), a
page's own HTML and images exceed ``--max-own-kb``, or a page with all its assets
exceeds ``--max-page-kb``. The defaults leave room above the heaviest page of the
book when this was written (about 700 kB own, 4.4 MB in all, of which the theme's icon
script and MathJax are 2.6 MB), so that the check fails on a regression such as a
high-dpi figure or a page that loads a new library. Standard library only.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

NOT_PAGES = {"_static", "_sources", "_images", "_sphinx_design_static"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif"}
_CSS_URL_RE = re.compile(
    r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)|url\(\s*["']?([^"')]+?)["']?\s*\)""", re.IGNORECASE
)


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[str] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag in ("img", "source"):
            if a.get("src"):
                self.images.append(a["src"])
            for part in a.get("srcset", "").split(","):
                if part.strip():
                    self.images.append(part.strip().split()[0])
        elif tag == "video" and a.get("poster"):
            self.images.append(a["poster"])
        elif tag == "script" and a.get("src"):
            self.assets.append(a["src"])
        elif tag == "link" and a.get("href"):
            rels = set(a.get("rel", "").lower().split())
            if rels & {"stylesheet", "preload", "modulepreload", "icon"}:
                self.assets.append(a["href"])


def _local(url: str, base: Path, root: Path) -> Path | None:
    parts = urlsplit(url.strip())
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    target = (root / path.lstrip("/")) if path.startswith("/") else (base / path)
    target = target.resolve()
    return target if target.is_file() else None


def _css_closure(css: Path, root: Path, seen: set[Path]) -> None:
    """Add to ``seen`` every local file the stylesheet ``css`` refers to, recursively."""
    text = css.read_text(encoding="utf-8", errors="replace")
    for m in _CSS_URL_RE.finditer(text):
        url = (m.group(1) or m.group(2) or "").strip()
        if not url or url.startswith(("data:", "#")):
            continue
        target = _local(url, css.parent, root)
        if target is None or target in seen:
            continue
        seen.add(target)
        if target.suffix == ".css":
            _css_closure(target, root, seen)


@dataclass
class PageWeight:
    page: str
    html: int
    images: dict[Path, int] = field(default_factory=dict)
    assets: dict[Path, int] = field(default_factory=dict)

    @property
    def own(self) -> int:
        return self.html + sum(self.images.values())

    @property
    def total(self) -> int:
        return self.own + sum(self.assets.values())


def weigh(root: Path) -> list[PageWeight]:
    """The weight of every page under ``root``."""
    root = root.resolve()
    pages = sorted(p for p in root.rglob("*.html") if p.relative_to(root).parts[0] not in NOT_PAGES)
    result = []
    for html in pages:
        refs = _Refs()
        refs.feed(html.read_text(encoding="utf-8", errors="replace"))
        weight = PageWeight(html.relative_to(root).as_posix(), html.stat().st_size)
        for url in refs.images:
            if (target := _local(url, html.parent, root)) is not None:
                weight.images[target] = target.stat().st_size
        seen: set[Path] = set()
        for url in refs.assets:
            if (target := _local(url, html.parent, root)) is not None and target not in seen:
                seen.add(target)
                if target.suffix == ".css":
                    _css_closure(target, root, seen)
        # A @font-face lists one font in several formats; a browser fetches the first
        # it supports (woff2 for every current browser), not all of them.
        woff2 = {t.with_suffix("") for t in seen if t.suffix == ".woff2"}
        seen = {t for t in seen if not (t.suffix in (".ttf", ".woff", ".eot") and t.with_suffix("") in woff2)}
        for target in seen:
            if target in weight.images:
                continue
            if target.suffix.lower() in IMAGE_SUFFIXES and target.parent.name == "_images":
                weight.images[target] = target.stat().st_size
            else:
                weight.assets[target] = target.stat().st_size
        result.append(weight)
    return result


def _kb(n: int) -> str:
    return f"{n / 1024:,.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Size of each built page with its assets.")
    parser.add_argument("html_dir", nargs="?", default=Path("_build/html"), type=Path)
    parser.add_argument("--max-image-kb", type=float, default=300.0, help="largest image allowed (kB)")
    parser.add_argument(
        "--max-own-kb", type=float, default=1500.0, help="largest page HTML plus its images (kB)"
    )
    parser.add_argument(
        "--max-page-kb", type=float, default=6000.0, help="largest page with all its assets (kB)"
    )
    args = parser.parse_args(argv)
    root = args.html_dir
    if not root.is_dir():
        print(f"page_weight: {root}: no such folder (build the book first: make html)")
        return 1
    weights = weigh(root)
    if not weights:
        print(f"page_weight: {root}: no pages")
        return 1

    name_width = max(len(w.page) for w in weights)
    print(f"{'page':<{name_width}}  {'html kB':>8}  {'images':>6}  {'img kB':>7}  {'own kB':>7}  "
          f"{'css/js/fonts kB':>15}  {'total kB':>8}")
    for w in sorted(weights, key=lambda w: -w.own):
        img_kb = _kb(sum(w.images.values()))
        print(f"{w.page:<{name_width}}  {_kb(w.html):>8}  {len(w.images):>6}  {img_kb:>7}  "
              f"{_kb(w.own):>7}  {_kb(sum(w.assets.values())):>15}  {_kb(w.total):>8}")

    images: dict[Path, int] = {}
    for w in weights:
        images.update(w.images)
    heaviest = sorted(images.items(), key=lambda kv: -kv[1])[:5]
    if heaviest:
        print("heaviest images: " + ", ".join(f"{p.name[:16]}... {_kb(n)} kB" for p, n in heaviest))
    site = sum(f.stat().st_size for f in root.resolve().rglob("*") if f.is_file())
    print(f"whole site: {_kb(site)} kB in {len(weights)} pages (shared files counted once)")

    problems = [
        f"image {p.relative_to(root.resolve())} is {_kb(n)} kB (limit {args.max_image_kb:g} kB)"
        for p, n in images.items()
        if n > args.max_image_kb * 1024
    ]
    problems += [
        f"page {w.page}: its HTML and images weigh {_kb(w.own)} kB (limit {args.max_own_kb:g} kB)"
        for w in weights
        if w.own > args.max_own_kb * 1024
    ]
    problems += [
        f"page {w.page} weighs {_kb(w.total)} kB with its assets (limit {args.max_page_kb:g} kB)"
        for w in weights
        if w.total > args.max_page_kb * 1024
    ]
    for problem in problems:
        print(f"FAIL {problem}")
    if problems:
        print(f"page_weight: FAILED: {len(problems)} problem(s)")
        return 1
    largest = max(weights, key=lambda w: w.total)
    own = max(weights, key=lambda w: w.own)
    biggest_image = _kb(heaviest[0][1]) if heaviest else "0"
    print(
        f"page_weight: OK: every image under {args.max_image_kb:g} kB (largest {biggest_image} kB); "
        f"page HTML + images under {args.max_own_kb:g} kB (largest {own.page}, {_kb(own.own)} kB); "
        f"with CSS/JS/fonts under {args.max_page_kb:g} kB (largest {largest.page}, {_kb(largest.total)} kB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
