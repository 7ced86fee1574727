"""The offline check of the built site (scripts/check_offline_html.py) catches what it should.

The check itself runs on the real build in `make html`; here it runs on small fixture
sites, so that a check that cannot fail would be noticed.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.check_offline_html import check

MATHJAX = "_static/mathjax/tex-chtml.js"


def make_site(root: Path, body: str, head: str = "") -> Path:
    (root / "_static/mathjax/output/chtml/fonts/woff-v2").mkdir(parents=True)
    (root / "_static/mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff").write_bytes(b"")
    (root / MATHJAX).write_text("/* MathJax stand-in */")
    (root / "_static/book.css").write_text("body { color: black; }")
    (root / "index.html").write_text(
        f'<html><head><link rel="stylesheet" href="_static/book.css">'
        f'<script defer src="{MATHJAX}"></script>{head}</head><body>{body}</body></html>'
    )
    return root


MATH = '<div class="math notranslate nohighlight">\\[h_t = \\tanh(a_t)\\]</div>'


def test_self_contained_site_passes(tmp_path):
    site = make_site(tmp_path, MATH + '<a href="https://colab.research.google.com">Colab</a>')
    assert check(site) == []


def test_remote_script_is_caught(tmp_path):
    site = make_site(tmp_path, MATH, head='<script src="https://cdn.jsdelivr.net/npm/x.js"></script>')
    problems = check(site)
    assert problems and any("cdn.jsdelivr.net" in p for p in problems)


def test_remote_image_and_missing_mathjax_are_caught(tmp_path):
    site = make_site(tmp_path, MATH + '<img src="https://example.org/fig.png">')
    (site / MATHJAX).unlink()
    problems = check(site)
    assert any("example.org/fig.png" in p for p in problems)
    assert any("mathjax" in p.lower() for p in problems)
