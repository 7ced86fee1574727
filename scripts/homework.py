#!/usr/bin/env python3
"""Homework tooling: student versions, the student website, its leak check, grading, the catalog.

The chapters follow one convention for exercises (see instructor.md):

* a markdown ``:::{exercise}`` directive with ``:label: ex-<slug>-<n>``;
* a code cell (tagged ``hide-input``) whose student part lies between ``### BEGIN SOLUTION``
  and ``### END SOLUTION`` lines (nbgrader's markers);
* an untagged check cell that prints ``PASS: exercise <n> (...)`` or raises an
  ``AssertionError`` whose message starts with ``FAIL:``;
* optionally a markdown ``:::{solution} ex-<slug>-<n>`` directive (``:class: dropdown``).

Subcommands (``python scripts/homework.py <command> --help``)::

    student [CHAPTER ...] --out DIR       student notebooks (solutions removed, checks kept)
    student-site --out DIR                build the student website and leak-check it
    leak-check BUILD_DIR                  search a build for any line of solution code or prose
    grade SUBMISSIONS --chapter CH --out grades.csv   grade submitted notebooks
    measure [CHAPTER ...]                 time the grading of each chapter's solution notebook
    catalog [--update instructor.md]      the per-chapter table of exercises for the instructor guide
"""

from __future__ import annotations

import argparse
import concurrent.futures
import copy
import csv
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
HIDDEN = ROOT / "grading" / "hidden"
TIMINGS = ROOT / "grading" / "timings.json"
MAX_WORKERS = 2

BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION[ \t]*$")
END = re.compile(r"^[ \t]*### END SOLUTION[ \t]*$")
FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>:{3,}|`{3,})\{(?P<name>[\w-]+)\}[ \t]*(?P<arg>.*)$")
LABEL = re.compile(r"^[ \t]*:label:[ \t]*(?P<label>\S+)")
PASS = re.compile(r"PASS: exercise (\d+)\b")
HIDDEN_SECTION = re.compile(r"^# %% exercise (\d+)[ \t]*$", re.MULTILINE)
STUB = 'raise NotImplementedError("exercise {n}: write your solution here")'
META = "homework"  # cell metadata key written into student notebooks: {"exercise": n, "role": ...}


# ----------------------------------------------------------------------------- parsing


@dataclass
class Exercise:
    number: int
    label: str
    title: str
    text: str = ""
    solution_cells: list[int] = field(default_factory=list)  # code cells with marked regions
    check_cells: list[int] = field(default_factory=list)
    solution_md_cells: list[int] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """derive / implement / experiment, read from the exercise text (a heuristic for the catalog)."""
        text = self.text.lower()
        if re.search(r"\bderive\b|\bshow that\b|\bprove\b", text):
            return "derive"
        if re.search(r"\bexperiment|\beffect\b|\bsweep|\btrain", text):
            return "experiment"
        return "implement"


def _directive_blocks(lines: list[str], name: str) -> list[tuple[int, int, str]]:
    """(start, end, argument) of each ``{name}`` directive in `lines`; end is the closing fence line."""
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i])
        if m and m["name"] == name:
            fence = m["fence"]
            close = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
            j = i + 1
            while j < len(lines) and not close.match(lines[j]):
                j += 1
            blocks.append((i, j, m["arg"].strip()))
            i = j + 1
        else:
            i += 1
    return blocks


def marked_regions(source: str) -> list[tuple[int, int, str]]:
    """(begin line, end line, indentation) of each BEGIN/END SOLUTION region of a code cell."""
    lines, regions, start = source.split("\n"), [], None
    for k, line in enumerate(lines):
        m = BEGIN.match(line)
        if m and start is None:
            start = (k, m["indent"])
        elif END.match(line) and start is not None:
            regions.append((start[0], k, start[1]))
            start = None
    if start is not None:
        raise ValueError(f"### BEGIN SOLUTION on line {start[0] + 1} has no ### END SOLUTION")
    return regions


def parse_exercises(nb: nbformat.NotebookNode) -> list[Exercise]:
    """The exercises of a chapter notebook, in order, with the indices of their cells."""
    exercises: list[Exercise] = []
    by_number: dict[int, Exercise] = {}
    by_label: dict[str, Exercise] = {}
    current: Exercise | None = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            lines = cell.source.split("\n")
            for start, end, arg in _directive_blocks(lines, "exercise"):
                label = next((m["label"] for line in lines[start + 1:end] if (m := LABEL.match(line))), "")
                number = int(m.group(1)) if (m := re.search(r"-(\d+)$", label)) else len(exercises) + 1
                current = Exercise(number, label, arg, "\n".join(lines[start + 1:end]))
                exercises.append(current)
                by_number[number] = current
                by_label[label] = current
            for _, _, arg in _directive_blocks(lines, "solution"):
                target = by_label.get(arg) or current
                if target is not None:
                    target.solution_md_cells.append(index)
        elif cell.cell_type == "code":
            if marked_regions(cell.source):
                if current is None:
                    raise ValueError(f"cell {index} has a solution region before any exercise directive")
                current.solution_cells.append(index)
            for n in sorted({int(n) for n in PASS.findall(cell.source)}):
                if n in by_number:
                    by_number[n].check_cells.append(index)
    return exercises


def chapter_path(chapter: str, chapters_dir: Path = CHAPTERS) -> Path:
    path = Path(chapter)
    if path.suffix == ".ipynb" and path.exists():
        return path
    return chapters_dir / f"{Path(chapter).stem}.ipynb"


def chapters_with_exercises(chapters_dir: Path = CHAPTERS) -> list[Path]:
    return [p for p in sorted(chapters_dir.glob("*.ipynb"))
            if parse_exercises(nbformat.read(p, as_version=4))]


# ----------------------------------------------------------------------------- student version


def strip_solution_regions(source: str, number: int) -> str:
    """Replace each marked region (markers included) by a NotImplementedError stub at its indentation."""
    lines = source.split("\n")
    for begin, end, indent in reversed(marked_regions(source)):
        lines[begin:end + 1] = [indent + STUB.format(n=number)]
    return "\n".join(lines)


def strip_solution_directives(source: str) -> str:
    """Remove every {solution} directive, and everything between {solution-start} and {solution-end}."""
    lines = source.split("\n")
    drop = set()
    for start, end, _ in _directive_blocks(lines, "solution"):
        drop.update(range(start, end + 1))
    kept = [line for k, line in enumerate(lines) if k not in drop]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")


def _gated_ranges(nb: nbformat.NotebookNode) -> set[int]:
    """Cells inside a gated solution: from a {solution-start} directive to its {solution-end}."""
    inside, cells = False, set()
    for index, cell in enumerate(nb.cells):
        names = [m["name"] for line in cell.source.split("\n") if (m := FENCE_OPEN.match(line))]
        if "solution-start" in names:
            inside = True
        if inside:
            cells.add(index)
        if "solution-end" in names:
            inside = False
    return cells


def student_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student version of a chapter: solutions out, stubs in, checks kept, exercise outputs cleared."""
    nb = copy.deepcopy(nb)
    exercises = parse_exercises(nb)
    gated = _gated_ranges(nb)
    role: dict[int, tuple[int, str]] = {}
    for ex in exercises:
        role.update({i: (ex.number, "solution") for i in ex.solution_cells})
        role.update({i: (ex.number, "check") for i in ex.check_cells})
    first = min([i for ex in exercises for i in ex.solution_cells + ex.check_cells], default=len(nb.cells))
    cells = []
    for index, cell in enumerate(nb.cells):
        if index in gated:
            if cell.cell_type == "code":
                continue
            cell.source = _strip_gated_markdown(cell.source)
        if cell.cell_type == "markdown":
            stripped = strip_solution_directives(cell.source)
            if stripped != cell.source.strip("\n") and not stripped.strip():
                continue  # the cell held only a solution
            cell.source = stripped
        elif cell.cell_type == "code":
            if index in role:
                number, kind = role[index]
                cell.metadata[META] = {"exercise": number, "role": kind}
                if kind == "solution":
                    cell.source = strip_solution_regions(cell.source, number)
                    tags = [t for t in cell.metadata.get("tags", []) if t != "hide-input"]
                    if tags:
                        cell.metadata["tags"] = tags
                    else:
                        cell.metadata.pop("tags", None)
            if index >= first:
                cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    nb.cells = cells
    return nb


def _strip_gated_markdown(source: str) -> str:
    lines, out, inside = source.split("\n"), [], False
    for line in lines:
        m = FENCE_OPEN.match(line)
        if m and m["name"] == "solution-start":
            inside = True
        if not inside:
            out.append(line)
        if m and m["name"] == "solution-end":
            inside = False
    return "\n".join(out)


def write_student_versions(chapters: list[Path], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in chapters:
        reference = nbformat.read(path, as_version=4)
        student = student_notebook(reference)
        leaks = find_leaks_in_text(nbformat.writes(student), Needles.from_notebooks([path]))
        if leaks:
            raise RuntimeError(f"{path.name}: the student version still contains solution text: {leaks[:5]}")
        target = out / path.name
        nbformat.write(student, target)
        written.append(target)
    return written


# ----------------------------------------------------------------------------- leak check


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def _stream(text: str) -> str:
    return " " + " ".join(tokens(text)) + " "


_ROLE_OR_LINK = re.compile(r"\{[\w:-]+\}`[^`]*`|\]\([^)]*\)|<[^>]+>")


@dataclass
class Needles:
    """What must not reach a student: solution lines (as token sequences) and solution-only words."""

    lines: dict[str, str]  # token sequence -> "chapter: original line"
    words: dict[str, str]  # stemmed solution-only word -> "chapter: word"

    MIN_CODE_CHARS = 12
    MIN_CODE_TOKENS = 3
    MIN_PROSE_TOKENS = 6
    MIN_WORD = 6

    @classmethod
    def from_notebooks(cls, paths: list[Path], public_files: list[Path] = ()) -> Needles:
        """Needles from the solution regions and solution directives of the reference `paths`.

        A line or word that also occurs outside every solution (anywhere in these notebooks or in
        `public_files`, e.g. the book's other pages and its bibliography) is public and not a needle.
        """
        public, secret_code, secret_prose = [], [], []
        for path in paths:
            nb = nbformat.read(path, as_version=4)
            pub, code, prose = _split_public_secret(nb)
            public.append(pub)
            secret_code += [(path.stem, line) for line in code]
            secret_prose += [(path.stem, line) for line in prose]
        public += [p.read_text(errors="replace") for p in public_files]
        public_stream = " ".join(_stream(text) for text in public)
        stem = _stemmer()
        public_stems = {stem(w.lower()) for w in tokens(" ".join(public))}
        lines: dict[str, str] = {}
        for chapter, line in secret_code:
            toks = tokens(line)
            if len(line.strip()) >= cls.MIN_CODE_CHARS and len(toks) >= cls.MIN_CODE_TOKENS:
                needle = " ".join(toks)
                if f" {needle} " not in public_stream:
                    lines.setdefault(needle, f"{chapter}: {line.strip()}")
        for chapter, line in secret_prose:
            for segment in _ROLE_OR_LINK.split(line):
                toks = tokens(segment)
                if len(toks) >= cls.MIN_PROSE_TOKENS:
                    needle = " ".join(toks)
                    if f" {needle} " not in public_stream:
                        lines.setdefault(needle, f"{chapter}: {segment.strip()}")
        words: dict[str, str] = {}
        for chapter, line in secret_code + secret_prose:
            for word in tokens(line):
                s = stem(word.lower())
                if len(word) >= cls.MIN_WORD and not word.isdigit() and s not in public_stems:
                    words.setdefault(s, f"{chapter}: {word}")
        return cls(lines, words)


def _split_public_secret(nb: nbformat.NotebookNode) -> tuple[str, list[str], list[str]]:
    """(public text, solution code lines, solution prose lines) of a reference notebook."""
    public, code, prose = [], [], []
    gated = _gated_ranges(nb)
    exercises = parse_exercises(nb)
    first = min([i for ex in exercises for i in ex.solution_cells + ex.check_cells], default=len(nb.cells))
    for index, cell in enumerate(nb.cells):
        lines = cell.source.split("\n")
        public.append(json.dumps(cell.metadata))  # figure captions and alt texts reach the page
        if cell.cell_type == "code" and index < first:  # outputs the student version keeps
            for out in cell.get("outputs", []):
                public.append(out.get("text", ""))
                public.append(str(out.get("data", {}).get("text/plain", "")))
        if index in gated:
            (code if cell.cell_type == "code" else prose).extend(lines)
            continue
        secret = set()
        if cell.cell_type == "code":
            for begin, end, _ in marked_regions(cell.source):
                secret.update(range(begin + 1, end))
                code.extend(lines[begin + 1:end])
                secret.update({begin, end})
        else:
            for start, end, _ in _directive_blocks(lines, "solution"):
                secret.update(range(start, end + 1))
                fenced = False
                for line in lines[start + 1:end]:
                    if re.match(r"^\s*(```|~~~)", line):
                        fenced = not fenced
                    elif fenced:
                        code.append(line)  # a code block inside the solution's text
                    elif not re.match(r"^\s*:\w+:", line):
                        prose.append(line)
        public.extend(line for k, line in enumerate(lines) if k not in secret)
    return "\n".join(public), code, prose


def _stemmer():
    import snowballstemmer

    english = snowballstemmer.stemmer("english")
    return english.stemWord


def _texts_of_file(path: Path) -> list[str]:
    """The texts a reader can get from one build file (raw, and decoded where it is HTML/JSON/notebook)."""
    data = path.read_bytes()
    if b"\0" in data[:4096]:
        return []
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError:
        return []
    texts = [raw]
    suffix = "".join(path.suffixes[-2:]) if path.suffix == ".txt" else path.suffix
    if suffix in {".html", ".htm", ".xml", ".svg"}:
        texts.append(html.unescape(re.sub(r"<[^>]*>", "", raw)))
    if suffix in {".js", ".json", ".ipynb", ".ipynb.txt"}:
        texts.append(raw.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\"))
    if suffix in {".ipynb", ".ipynb.txt"}:
        try:
            nb = json.loads(raw)
            parts = []
            for cell in nb.get("cells", []):
                parts.append("".join(cell.get("source", [])))
                for out in cell.get("outputs", []):
                    parts.append("".join(out.get("text", [])))
                    data = out.get("data", {}).values()
                    parts += ["".join(v) if isinstance(v, list) else str(v) for v in data]
            texts.append("\n".join(parts))
        except (ValueError, AttributeError):
            pass
    return texts


def find_leaks_in_text(text: str, needles: Needles, where: str = "") -> list[str]:
    words = tokens(text)
    present = set(words)
    stream = " " + " ".join(words) + " "
    # a needle can only be there if its longest word is: a set lookup before the substring search
    return [f"{where}{origin}" for needle, origin in needles.lines.items()
            if max(needle.split(" "), key=len) in present and f" {needle} " in stream]


def _search_index_terms(path: Path) -> set[str]:
    raw = path.read_text(errors="replace")
    m = re.search(r"Search\.setIndex\((.*)\)\s*;?\s*$", raw, re.DOTALL)
    if not m:
        return set()
    index = json.loads(m.group(1))
    return set(index.get("terms", {})) | set(index.get("titleterms", {}))


def leak_check(build_dir: Path, needles: Needles) -> list[str]:
    """Every place in `build_dir` holding a solution line, or a solution-only word in the search index."""
    found = []
    for path in sorted(p for p in Path(build_dir).rglob("*") if p.is_file()):
        rel = path.relative_to(build_dir)
        hits: list[str] = []
        for text in _texts_of_file(path):  # raw, and decoded (tags stripped, JSON unescaped)
            hits += [hit for hit in find_leaks_in_text(text, needles, f"{rel}: ") if hit not in hits]
        found += hits
        if path.name == "searchindex.js":
            terms = _search_index_terms(path)
            found += [f"{rel}: search term {needles.words[s]}" for s in sorted(needles.words) if s in terms]

    return found


PUBLIC_SUFFIXES = {".md", ".rst", ".bib", ".py", ".yml", ".yaml", ".txt", ".html", ".css", ".js"}
NOT_PUBLIC = {"chapters", "grading", "tests", ".git", ".venv", "node_modules", ".jupyter_cache",
              ".pytest_cache", ".hypothesis", ".ruff_cache", "__pycache__", "scripts"}


def book_needles(root: Path = ROOT) -> Needles:
    """Needles of the book at `root`; public text is everything of the book outside chapters/ (rnnlib's
    docstrings reach the website through the API pages, intro.md and the bibliography directly)."""
    public = []
    stack = [root]
    while stack:
        folder = stack.pop()
        for path in sorted(folder.iterdir()):
            if path.name in NOT_PUBLIC or path.name.startswith("_build"):
                continue
            if path.is_dir():
                stack.append(path)
            elif path.suffix in PUBLIC_SUFFIXES and path.name != "instructor.md":
                public.append(path)
    return Needles.from_notebooks(sorted((root / "chapters").glob("*.ipynb")), public)


# ----------------------------------------------------------------------------- student website


# Not copied into the student book: the solutions (chapters/ is replaced by student versions), the
# instructor guide and hidden checks, and what is no part of the website.
NOT_FOR_STUDENTS = {"chapters", "instructor.md", "grading", "README.md", "tests", "scripts", "benchmarks",
                    "rnnlib", "node_modules", "Makefile", "requirements.txt", "pyproject.toml", "LICENSE",
                    "LICENSE-text"}


def build_student_site(out: Path, root: Path = ROOT, keep_source: Path | None = None) -> Path:
    """Copy the book with student notebooks into a temporary folder, build it strictly, leak-check it."""
    import yaml

    with tempfile.TemporaryDirectory(prefix="student-book-") as tmp:
        src = Path(tmp) / "book"
        src.mkdir()
        toc = yaml.safe_load((root / "_toc.yml").read_text())
        _drop_from_toc(toc, {"instructor"})
        (src / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
        config = yaml.safe_load((root / "_config.yml").read_text())
        config["title"] = f"{config.get('title', 'Course')} (student edition)"
        config.setdefault("execute", {})["execute_notebooks"] = "off"  # stored outputs, stubs not run
        # no links from the student site back to the repository that holds the solutions
        config["launch_buttons"] = {"notebook_interface": "jupyterlab", "thebe": False}
        config.setdefault("html", {})["use_repository_button"] = False
        (src / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
        for path in sorted(root.iterdir()):  # the book's other pages and folders (api/, _ext/, ...)
            if path.name in NOT_FOR_STUDENTS or path.name.startswith((".", "_build")) or \
                    path.name in {"_toc.yml", "_config.yml"}:
                continue
            if path.is_dir():
                shutil.copytree(path, src / path.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            elif path.suffix == ".md":  # a link to the instructor guide becomes its plain text
                path_text = _unlink_instructor_guide(path.read_text())
                (src / path.name).write_text(path_text)
            else:
                shutil.copy2(path, src / path.name)
        write_student_versions(sorted((root / "chapters").glob("*.ipynb")), src / "chapters")
        if keep_source is not None:
            shutil.rmtree(keep_source, ignore_errors=True)
            shutil.copytree(src, keep_source)
        build = Path(tmp) / "build"
        cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", "-W", "-n", "--keep-going",
               str(src), "--path-output", str(build)]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            sys.stdout.write(result.stdout[-6000:])
            sys.stderr.write(result.stderr[-6000:])
            raise RuntimeError(f"the student book failed to build (exit {result.returncode})")
        leaks = leak_check(build / "_build" / "html", book_needles(root))
        if leaks:
            raise RuntimeError("solution text found in the student build:\n  " + "\n  ".join(leaks))
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(build / "_build" / "html", out)
    return out


def _unlink_instructor_guide(text: str) -> str:
    """The student site has no instructor guide: {doc}`text <instructor>` becomes "text"."""
    text = re.sub(r"\{doc\}`([^`<]*?)\s*<instructor>`", r"\1", text)
    return re.sub(r"\{doc\}`instructor`", "the instructor guide", text)


def _drop_from_toc(node, files: set[str]) -> None:
    if isinstance(node, dict):
        for value in node.values():
            _drop_from_toc(value, files)
        for key in ("chapters", "sections", "parts"):
            if isinstance(node.get(key), list):
                node[key] = [e for e in node[key] if not (isinstance(e, dict) and e.get("file") in files)]
        # A part (or a page's sections) left empty would make the toc malformed: drop it too.
        if isinstance(node.get("parts"), list):
            node["parts"] = [part for part in node["parts"]
                             if not (isinstance(part, dict) and part.get("chapters") == [])]
        if node.get("sections") == []:
            del node["sections"]
    elif isinstance(node, list):
        for item in node:
            _drop_from_toc(item, files)


# ----------------------------------------------------------------------------- grading


STATUSES = ("pass", "fail", "error", "timeout", "tampered", "missing", "invalid")


@dataclass
class Grade:
    student: str
    exercise: int
    label: str
    status: str
    detail: str


def _normalise(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().split("\n"))


def source_hash(source: str) -> str:
    return hashlib.sha256(_normalise(source).encode()).hexdigest()


def load_hidden(chapter: str, hidden_dir: Path | None) -> dict[int, str]:
    """Hidden checks: sections ``# %% exercise <n>`` of <hidden_dir>/<chapter>.py, run after check n."""
    if hidden_dir is None or not (hidden_dir / f"{chapter}.py").exists():
        return {}
    text = (hidden_dir / f"{chapter}.py").read_text()
    parts = HIDDEN_SECTION.split(text)
    return {int(parts[k]): parts[k + 1].strip("\n") for k in range(1, len(parts) - 1, 2)}


def _match_cells(reference: nbformat.NotebookNode, submission: nbformat.NotebookNode,
                 exercises: list[Exercise]) -> dict[int, int]:
    """Reference cell index -> submission cell index, by cell id, else by the homework metadata."""
    ids = {c.get("id"): k for k, c in enumerate(submission.cells) if c.get("id")}
    meta = {(c.metadata.get(META, {}).get("exercise"), c.metadata.get(META, {}).get("role")): k
            for k, c in enumerate(submission.cells) if c.cell_type == "code" and META in c.metadata}
    match = {}
    for i, cell in enumerate(reference.cells):
        k = ids.get(cell.get("id"))
        if k is not None and submission.cells[k].cell_type == cell.cell_type:
            match[i] = k
    for ex in exercises:  # a cell re-created with a new id still carries its metadata
        for role, cells in (("solution", ex.solution_cells), ("check", ex.check_cells)):
            if len(cells) == 1 and cells[0] not in match and (ex.number, role) in meta:
                match[cells[0]] = meta[(ex.number, role)]
    return match


def grading_notebook(reference, submission, exercises, hidden):
    """The notebook the grader runs, and for each of its cells (role, exercise number).

    Reference cells in reference order: the student's source for solution cells, the reference's
    source for everything else (checks included); the student's own extra cells after the cell they
    followed; each exercise's hidden check right after its check cell.
    """
    match = _match_cells(reference, submission, exercises)
    owner = {}
    for ex in exercises:
        owner.update({i: (ex.number, "solution") for i in ex.solution_cells})
        owner.update({i: (ex.number, "check") for i in ex.check_cells})
    last_check = {ex.check_cells[-1]: ex.number for ex in exercises if ex.check_cells}
    matched_sub = set(match.values())
    extras: dict[int, list[int]] = {}  # submission index of the preceding matched cell -> extra cells
    previous = -1
    for k, cell in enumerate(submission.cells):
        if k in matched_sub:
            previous = k
        elif cell.cell_type == "code":
            extras.setdefault(previous, []).append(k)
    cells, roles = [], []

    def add(source, role):
        cells.append(nbformat.v4.new_code_cell(source))
        roles.append(role)

    for k in extras.get(-1, []):
        add(submission.cells[k].source, ("extra", None))
    for i, cell in enumerate(reference.cells):
        number, kind = owner.get(i, (None, "chapter"))
        if cell.cell_type != "code":
            pass
        elif kind == "solution":
            if i in match:
                add(submission.cells[match[i]].source, ("solution", number))
        else:
            add(cell.source, (kind, number))
        if i in match:
            for k in extras.get(match[i], []):
                add(submission.cells[k].source, ("extra", None))
        if i in last_check and last_check[i] in hidden:
            add(hidden[last_check[i]], ("hidden", last_check[i]))
    add("import resource as _resource\n_usage = _resource.getrusage(_resource.RUSAGE_SELF)\n"
        "print('HOMEWORK_CPU_SECONDS', _usage.ru_utime + _usage.ru_stime)", ("cpu", None))
    nb = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(reference.metadata))
    return nb, roles, match


def run_cells(nb, cell_timeout: float, total_timeout: float, cwd: Path) -> list[str]:
    """Execute every cell in one fresh kernel, recording errors instead of stopping; returns per-cell state.

    States: "ok", "error", "timeout" (interrupted after `cell_timeout` s), "not run" (the total time
    limit was reached or the kernel died).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    client = NotebookClient(
        nb, timeout=int(cell_timeout), kernel_name="python3", allow_errors=True, record_timing=False,
        interrupt_on_timeout=True, resources={"metadata": {"path": str(cwd)}},
        error_on_timeout={"ename": "CellTimeoutError", "traceback": [],
                          "evalue": f"the cell ran for more than {cell_timeout:g} s"})
    states = ["not run"] * len(nb.cells)
    start = time.monotonic()
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1")
    with client.setup_kernel(env=env, cwd=str(cwd), stderr=subprocess.DEVNULL):
        for index, cell in enumerate(nb.cells):
            if time.monotonic() - start > total_timeout:
                break
            began = time.monotonic()
            try:
                client.execute_cell(cell, index)
            except DeadKernelError:
                states[index] = "error"
                cell.outputs.append(nbformat.v4.new_output("error", ename="DeadKernelError",
                                                           evalue="the kernel died", traceback=[]))
                break
            errors = [o for o in cell.outputs if o.output_type == "error"]
            if errors and (errors[0].ename in ("CellTimeoutError", "KeyboardInterrupt")
                           or time.monotonic() - began >= cell_timeout):
                states[index] = "timeout"
            else:
                states[index] = "error" if errors else "ok"
    return states


def _error_text(cell) -> tuple[str, str]:
    error = next(o for o in cell.outputs if o.output_type == "error")
    evalue = str(error.evalue).strip().split("\n")[0]
    return error.ename, re.sub(r"\(\d+\.py, line", "(line", evalue)  # IPython names cells by a random number


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def _pass_line(text: str, prefix: str) -> str | None:
    return next((line.strip() for line in text.split("\n") if line.strip().startswith(prefix)), None)


def grade_submission(path: Path, reference_path: Path, hidden_dir: Path | None = HIDDEN,
                     cell_timeout: float = 60, total_timeout: float = 900) -> tuple[list[Grade], dict]:
    """Grade one submitted notebook; never raises for a bad submission (that is a grade)."""
    reference = nbformat.read(reference_path, as_version=4)
    exercises = parse_exercises(reference)
    hidden = load_hidden(reference_path.stem, hidden_dir)
    student = path.stem
    info = {"student": student, "cpu_s": None, "wall_s": None}

    def all_as(status, detail):
        return [Grade(student, ex.number, ex.label, status, detail) for ex in exercises], info

    try:
        submission = nbformat.read(path, as_version=4)
        nbformat.validate(submission)
    except Exception as error:
        return all_as("invalid", f"the notebook does not parse: {type(error).__name__}: {str(error)[:120]}")
    nb, roles, match = grading_notebook(reference, submission, exercises, hidden)
    info["cells_run"] = len(nb.cells)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"grade-{student}-") as tmp:
        # the chapter's neighbours (other chapters, data files), not the chapter itself: the verdict
        # chapter reads the stored outputs of the comparison chapters from its own folder
        for sibling in reference_path.parent.iterdir():
            if sibling.is_file() and sibling.resolve() != reference_path.resolve():
                shutil.copy2(sibling, Path(tmp) / sibling.name)
        try:
            states = run_cells(nb, cell_timeout, total_timeout, Path(tmp))
        except Exception as error:
            return all_as("error", f"the kernel failed: {type(error).__name__}: {error}")
    info["wall_s"] = time.monotonic() - start
    cpu = _pass_line(_stdout(nb.cells[-1]), "HOMEWORK_CPU_SECONDS")
    info["cpu_s"] = float(cpu.split()[1]) if cpu else None

    grades = []
    for ex in exercises:
        missing = [i for i in ex.solution_cells + ex.check_cells if i not in match]
        tampered = [i for i in ex.check_cells if i in match and
                    source_hash(submission.cells[match[i]].source) != source_hash(reference.cells[i].source)]
        if missing:
            what = "check" if any(i in ex.check_cells for i in missing) else "solution"
            grades.append(Grade(student, ex.number, ex.label, "missing", f"the {what} cell was deleted"))
            continue
        if tampered:
            grades.append(Grade(student, ex.number, ex.label, "tampered",
                                "the check cell was changed (the reference check was run instead)"))
            continue
        grades.append(_grade_exercise(student, ex, nb, roles, states))
    return grades, info


def _grade_exercise(student, ex, nb, roles, states) -> Grade:
    own = [k for k, (role, n) in enumerate(roles) if n == ex.number]
    passes = []
    for k in own:
        role = roles[k][0]
        where = {"solution": "solution cell", "check": "check", "hidden": "hidden check"}[role]
        if states[k] == "not run":
            return Grade(student, ex.number, ex.label, "error", f"{where} not run (time limit, dead kernel)")
        if states[k] == "timeout":
            return Grade(student, ex.number, ex.label, "timeout", f"{where}: interrupted at the time limit")
        if states[k] == "error":
            ename, evalue = _error_text(nb.cells[k])
            if role != "solution" and ename == "AssertionError" and evalue.startswith("FAIL"):
                return Grade(student, ex.number, ex.label, "fail", f"{where}: {evalue}")
            return Grade(student, ex.number, ex.label, "error", f"{where}: {ename}: {evalue}")
        if role in ("check", "hidden"):
            line = _pass_line(_stdout(nb.cells[k]), "PASS:")
            if line is None:
                return Grade(student, ex.number, ex.label, "error", f"{where} printed no PASS line")
            passes.append(line)
    if not passes:
        return Grade(student, ex.number, ex.label, "error", "no check cell was run")
    return Grade(student, ex.number, ex.label, "pass", "; ".join(passes))


def _grade_job(args):
    return grade_submission(*args)


def grade_folder(submissions: Path, reference_path: Path, hidden_dir: Path | None = HIDDEN,
                 cell_timeout: float = 60, total_timeout: float = 900, workers: int = MAX_WORKERS):
    """Grade every *.ipynb of `submissions` (each in its own kernel, at most 2 at a time)."""
    paths = sorted(Path(submissions).glob("*.ipynb"))
    jobs = [(p, reference_path, hidden_dir, cell_timeout, total_timeout) for p in paths]
    workers = max(1, min(workers, MAX_WORKERS, len(jobs) or 1))
    if workers == 1:
        results = [_grade_job(job) for job in jobs]
    else:
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_grade_job, jobs))
    grades = [g for result, _ in results for g in result]
    infos = [info for _, info in results]
    return grades, infos


def write_grades(grades: list[Grade], infos: list[dict], out_csv: Path) -> str:
    """Write the CSV (one row per student and exercise) and the summary .md beside it; return the summary."""
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with open(out_csv, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "exercise", "label", "status", "detail"])
        for g in grades:
            writer.writerow([g.student, g.exercise, g.label, g.status, g.detail])
    summary = summary_table(grades, infos)
    out_csv.with_suffix(".md").write_text(summary)
    return summary


def summary_table(grades: list[Grade], infos: list[dict]) -> str:
    numbers = sorted({g.exercise for g in grades})
    students = sorted({g.student for g in grades})
    cell = {(g.student, g.exercise): g for g in grades}
    cpu = {i["student"]: i.get("cpu_s") for i in infos}
    lines = ["| student | " + " | ".join(f"ex {n}" for n in numbers) + " | passed | kernel CPU s |",
             "|---|" + "---|" * len(numbers) + "---|---|"]
    for s in students:
        row = [cell[(s, n)].status if (s, n) in cell else "" for n in numbers]
        passed = sum(r == "pass" for r in row)
        seconds = f"{cpu[s]:.1f}" if cpu.get(s) is not None else "-"
        lines.append(f"| {s} | " + " | ".join(row) + f" | {passed}/{len(numbers)} | {seconds} |")
    lines += ["", "Details:", ""]
    lines += [f"- {g.student}, exercise {g.exercise} ({g.status}): {g.detail}" for g in grades]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- catalog and timings


def catalog(chapters_dir: Path = CHAPTERS, hidden_dir: Path = HIDDEN, timings_path: Path = TIMINGS) -> str:
    """The instructor guide's tables, from the chapters' exercises and stored check outputs."""
    timings = json.loads(timings_path.read_text()) if timings_path.exists() else {}
    out = []
    for path in chapters_with_exercises(chapters_dir):
        nb = nbformat.read(path, as_version=4)
        hidden = load_hidden(path.stem, hidden_dir)
        out += [f"### `{path.stem}`", "",
                "| # | exercise | label | kind | you write | the check asserts (its PASS line) | hidden |",
                "|---|---|---|---|---|---|---|"]
        for ex in parse_exercises(nb):
            sources = [nb.cells[i].source for i in ex.solution_cells]
            names = [m for s in sources for m in re.findall(r"^def (\w+)", s, re.M)]
            if not names:
                names = [m for i in ex.solution_cells
                         for m in re.findall(r"^(\w+)\s*=", _region_text(nb.cells[i].source), re.M)]
            checks = [_pass_line(_stdout(nb.cells[i]), "PASS:") for i in ex.check_cells]
            asserted = "; ".join(re.sub(r"^PASS: exercise \d+ \((.*)\)$", r"\1", c) for c in checks if c)
            cells = [str(ex.number), ex.title.replace("|", "\\|"), f"`{ex.label}`", ex.kind,
                     ", ".join(f"`{n}`" for n in names),
                     asserted or "(no stored PASS line)", "yes" if ex.number in hidden else "no"]
            out.append("| " + " | ".join(cells[:5] + [_escape(c) for c in cells[5:]]) + " |")
        out.append("")
    if timings:
        out += ["### Time to grade one submission", "",
                "| chapter | kernel CPU s | wall s |", "|---|---|---|"]
        for chapter, t in sorted(timings.items()):
            if chapter.startswith("_"):
                continue
            out.append(f"| `{chapter}` | {t['cpu_s']:.0f} | {t['wall_s']:.0f} |")
        if "_measured" in timings:
            out += ["", f"Measured: {timings['_measured']}"]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _escape(text: str) -> str:
    """Plain text for a Markdown table cell: backslash-escape what MyST would read as markup."""
    return re.sub(r"([\\`*_<>\[\]$|{}])", r"\\\1", text)


def _region_text(source: str) -> str:
    lines = source.split("\n")
    return "\n".join(line for b, e, _ in marked_regions(source) for line in lines[b + 1:e])


CATALOG_START = "<!-- catalog:start (made by `python scripts/homework.py catalog --update instructor.md`) -->"
CATALOG_END = "<!-- catalog:end -->"


def update_page(page: Path, text: str) -> None:
    content = page.read_text()
    start, end = content.index(CATALOG_START), content.index(CATALOG_END)
    page.write_text(content[:start + len(CATALOG_START)] + "\n\n" + text + "\n" + content[end:])


def page_catalog(page: Path) -> str:
    content = page.read_text()
    start, end = content.index(CATALOG_START) + len(CATALOG_START), content.index(CATALOG_END)
    return content[start:end].strip("\n") + "\n"


# ----------------------------------------------------------------------------- command line


def _chapters(names: list[str]) -> list[Path]:
    return [chapter_path(n) for n in names] if names else sorted(CHAPTERS.glob("*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("student", help="write student notebooks (solutions removed)")
    p.add_argument("chapters", nargs="*", help="e.g. 01_rnn (default: every chapter)")
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("student-site", help="build the student website and leak-check it")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--keep-source", type=Path, help="also keep the student book's sources here")
    p = sub.add_parser("leak-check", help="search a build folder for solution text")
    p.add_argument("build_dir", type=Path)
    p.add_argument("--book", type=Path, default=ROOT, help="the book whose chapters hold the solutions")
    p = sub.add_parser("grade", help="grade a folder of submitted notebooks")
    p.add_argument("submissions", type=Path)
    p.add_argument("--chapter", required=True, help="e.g. 01_rnn, or a path to the reference notebook")
    p.add_argument("--out", type=Path, default=Path("grades.csv"))
    p.add_argument("--hidden", type=Path, default=HIDDEN, help="folder of hidden checks <chapter>.py")
    p.add_argument("--timeout", type=float, default=60, help="time limit per cell, seconds (default 60)")
    p.add_argument("--total-timeout", type=float, default=900, help="per submission, seconds (default 900)")
    p.add_argument("--workers", type=int, default=MAX_WORKERS, help="parallel kernels (at most 2)")
    p = sub.add_parser("measure", help="time grading each chapter's solution notebook; all must pass")
    p.add_argument("chapters", nargs="*")
    p.add_argument("--out", type=Path, default=TIMINGS)
    p.add_argument("--where", default="", help="a note on the machine, stored with the timings")
    p = sub.add_parser("catalog", help="print the exercise tables of the instructor guide")
    p.add_argument("--update", type=Path, help="rewrite the generated section of this page")
    args = parser.parse_args(argv)

    if args.command == "student":
        for path in write_student_versions(_chapters(args.chapters), args.out):
            print(f"wrote {path}")
    elif args.command == "student-site":
        print(f"student website in {build_student_site(args.out, keep_source=args.keep_source)}")
    elif args.command == "leak-check":
        leaks = leak_check(args.build_dir, book_needles(args.book))
        if leaks:
            print(f"{len(leaks)} leak(s) of solution text:")
            print("\n".join(f"  {leak}" for leak in leaks))
            return 1
        print(f"no solution text found in {args.build_dir}")
    elif args.command == "grade":
        reference = chapter_path(args.chapter)
        grades, infos = grade_folder(args.submissions, reference, args.hidden, args.timeout,
                                     args.total_timeout, args.workers)
        print(write_grades(grades, infos, args.out), end="")
        print(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    elif args.command == "measure":
        timings = json.loads(args.out.read_text()) if args.out.exists() else {}
        paths = [p for p in _chapters(args.chapters) if parse_exercises(nbformat.read(p, as_version=4))]
        with concurrent.futures.ProcessPoolExecutor(max_workers=MAX_WORKERS) as pool:
            results = list(pool.map(_grade_job, [(p, p, HIDDEN, 120, 900) for p in paths]))
        failed = []
        for path, (grades, info) in zip(paths, results, strict=True):
            timings[path.stem] = {"cpu_s": round(info["cpu_s"], 1), "wall_s": round(info["wall_s"], 1)}
            failed += [f"{path.stem} exercise {g.exercise}: {g.status} {g.detail}" for g in grades
                       if g.status != "pass"]
            print(f"{path.stem}: kernel CPU {info['cpu_s']:.1f} s, wall {info['wall_s']:.1f} s")
        if args.where:
            timings["_measured"] = args.where
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(timings, indent=1, sort_keys=True) + "\n")
        if failed:
            print("solution notebooks that do not pass:\n  " + "\n  ".join(failed))
            return 1
    elif args.command == "catalog":
        text = catalog()
        if args.update:
            update_page(args.update, text)
            print(f"updated {args.update}")
        else:
            print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
