#!/usr/bin/env python3
"""Re-execute notebooks in place, each top to bottom in a fresh kernel (`make execute`).

Usage::

    python scripts/execute_notebooks.py                 # every chapters/*.ipynb
    python scripts/execute_notebooks.py chapters/01_rnn.ipynb

The stored outputs are then those of one clean run, which is what nbval compares against.
Cell timing metadata is not recorded, so that re-executing an unchanged notebook leaves
its file unchanged. A cell that raises stops the run with a non-zero exit status.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # timings of an earlier run
    client = NotebookClient(notebook, timeout=120, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(notebook, path)
    return seconds


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted((ROOT / "chapters").glob("*.ipynb"))
    for path in paths:
        print(f"{path}: executed in {execute(path):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
