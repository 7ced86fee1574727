"""Invariants of the committed notebooks, read from the files (nbval executes them separately).

* every notebook in chapters/ is listed in _toc.yml, and every chapter there exists;
* its stored outputs are those of one clean top-to-bottom run (`make execute`):
  execution counts 1, 2, 3, ... with no gaps;
* it wrote nothing to stderr and raised no error in that run: a warning is either fixed
  or silenced deliberately in the code, never left in the output;
* it checks something: at least one assertion.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


def code_cells(path: Path) -> list[dict]:
    nb = json.loads(path.read_text())
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_toc_lists_exactly_the_chapters():
    toc = (ROOT / "_toc.yml").read_text()
    listed = set(re.findall(r"file:\s*(chapters/\S+)", toc))
    assert listed == {f"chapters/{p.stem}" for p in NOTEBOOKS}
    assert NOTEBOOKS, "no chapter notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_from_one_clean_run(path):
    counts = [c["execution_count"] for c in code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), f"re-run `make execute`: counts {counts}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_stderr_and_no_errors(path):
    for k, cell in enumerate(code_cells(path)):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"cell {k} raised {out.get('ename')}"
            if out["output_type"] == "stream":
                assert out["name"] != "stderr", f"cell {k} wrote to stderr: {''.join(out['text'])[:200]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_checks_something(path):
    source = "\n".join("".join(c["source"]) for c in code_cells(path))
    assert re.search(r"\bassert\b|assert_allclose|assert_array", source)
