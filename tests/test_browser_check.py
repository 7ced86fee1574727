"""The browser check of the built site (scripts/browser_check.py) catches what it should.

`make browser-test` runs the check on the real build. Here it runs on the small fixture
pages of tests/fixtures/browser, served with the MathJax that the book ships (the copy
inside the pinned sphinx-mathjax-offline package), so that a check that cannot fail
would be noticed: each bad page must fail for its own reason, the good one must pass.

Needs Debian's chromium. Without it the browser tests are skipped, except in CI (the
environment variable CI is set), where a missing browser is a failure.
"""

from __future__ import annotations

import importlib
import os
import shutil
import struct
import sys
import zlib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts import browser_check

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "browser"
PAGES = sorted(p.name for p in FIXTURES.glob("*.html"))


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A valid grey PNG image, written by hand (no image library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def require_chromium() -> str:
    executable = browser_check.find_chromium()
    reason = "chromium is not installed (Debian: apt-get install chromium); the browser check needs it"
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail(f"FAIL: {reason}, and CI is set")
        pytest.skip(reason)
    return executable


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict[str, list[str]]:
    """Every fixture page checked in one browser session: {page: problems}."""
    executable = require_chromium()
    site = tmp_path_factory.mktemp("site")
    for page in PAGES:
        shutil.copy(FIXTURES / page, site / page)
    (site / "fig.png").write_bytes(tiny_png())
    package = Path(importlib.import_module("sphinx-mathjax-offline").__file__).parent
    (site / "_static").mkdir()
    (site / "_static" / "mathjax").symlink_to(package / "static" / "mathjax", target_is_directory=True)
    return browser_check.check_pages(site, PAGES, chromium=executable)


def test_fixture_pages_are_all_checked(report):
    assert set(report) == set(PAGES)


def test_good_page_passes(report):
    assert report["good.html"] == [], report["good.html"]


def test_broken_tex_is_caught(report):
    assert any(p.startswith("MathJax error") for p in report["bad_math.html"]), report["bad_math.html"]


def test_raw_tex_is_caught(report):
    assert any(p.startswith("raw TeX") for p in report["raw_tex.html"]), report["raw_tex.html"]


def test_missing_image_is_caught(report):
    problems = report["missing_image.html"]
    assert any(p.startswith("image not loaded: missing.png") for p in problems), problems
    assert any("HTTP 404" in p for p in problems), problems


def test_external_request_is_caught(report):
    problems = report["external.html"]
    caught = [p for p in problems if p.startswith("request to a host other than") and "example.org" in p]
    assert caught, problems


def test_script_error_is_caught(report):
    problems = report["script_error.html"]
    assert any("undefinedFunctionOfTheBook" in p for p in problems), problems


def test_each_bad_page_fails_only_for_its_own_reason(report):
    """No bad page fails because of the set-up (MathJax missing, fonts, ...)."""
    expected = {
        "bad_math.html": ("MathJax error",),
        "raw_tex.html": ("raw TeX",),
        "missing_image.html": ("image not loaded", "HTTP 404", "console error: Failed to load resource"),
        "external.html": ("request to a host other than", "image not loaded", "console error"),
        "script_error.html": ("uncaught exception",),
    }
    for page, prefixes in expected.items():
        stray = [p for p in report[page] if not p.startswith(prefixes)]
        assert stray == [], f"FAIL: {page}: {stray}"


def test_toc_files(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text(
        "format: jb-book\nroot: intro\nparts:\n  - caption: A\n    chapters:\n"
        "      - file: chapters/01_rnn\n      - file: api/index\n        sections:\n"
        "          - file: api/lstm.md\n"
    )
    assert browser_check.toc_files(toc) == ("intro", ["chapters/01_rnn", "api/index", "api/lstm"])


def test_list_pages_skips_assets(tmp_path):
    for name in ("index.html", "chapters/a.html", "_static/x.html", "_sources/y.html"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("<html></html>")
    assert browser_check.list_pages(tmp_path) == ["chapters/a.html", "index.html"]


def test_download_and_launch_links_are_checked(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "04_lstm.ipynb").write_text("{}")
    info = {
        "mathjax": "typeset", "merrors": [], "rawTex": [], "images": [],
        "downloads": [["../_sources/chapters/04_lstm.ipynb", 200], ["../_sources/gone.md", 404]],
        "launch": [
            "https://colab.research.google.com/github/o/r/blob/main/chapters/04_lstm.ipynb",
            "https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/chapters/99_gone.ipynb",
        ],
    }
    problems = browser_check._page_problems(info, tmp_path)
    assert problems == [
        "download link broken: ../_sources/gone.md (HTTP 404)",
        "launch button does not point at a file of the book: "
        "https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/chapters/99_gone.ipynb",
    ]


def test_figure_without_alt_text_is_caught(report):
    problems = report["no_alt.html"]
    assert problems == ["image without alt text (give the figure cell mystnb image alt metadata): fig.png"]
