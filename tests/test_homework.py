"""Tests of the homework tooling, scripts/homework.py (issue 8).

* every chapter's exercises follow the convention (directive, marked solution cell, check cell),
  and the solution notebooks pass their checks: nbval re-runs the committed notebooks and compares
  their outputs, so the stored PASS lines are those of a fresh run;
* the student version keeps the checks and the def lines, replaces every marked region by a stub,
  drops the solution directives and clears the exercise outputs; no solution line remains in it;
* executing the student notebook of every chapter (one kernel per chapter, two at a time, every
  check cell run even after an earlier one failed) fails every exercise with NotImplementedError.
  This is the expensive test: it runs every chapter once more (about the CPU time of nbval's run);
* grading the sample submissions of tests/fixtures/homework (right, wrong, syntax error, infinite
  loop, tampered check, deleted check, a hidden check failed, an unreadable file, ...) gives
  exactly the expected table;
* the leak check finds a solution line or word wherever it hides in a build (highlighted HTML,
  page sources, a downloadable notebook, the search index) and reports nothing on a clean build;
* the instructor guide's tables are the ones `homework.py catalog` prints now.

The fixture notebooks are stored as .json so that neither nbval nor ruff picks up the broken ones;
the tests copy them to .ipynb files in a temporary folder.
"""

from __future__ import annotations

import concurrent.futures
import csv
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import homework  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "homework"
ALL_CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
CHAPTERS = homework.chapters_with_exercises(ROOT / "chapters")


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> dict[str, Path]:
    """The fixture chapter and submissions, copied to .ipynb files."""
    root = tmp_path_factory.mktemp("tiny")
    (root / "chapters").mkdir()
    (root / "submissions").mkdir()
    shutil.copy(FIXTURES / "chapters" / "99_tiny.json", root / "chapters" / "99_tiny.ipynb")
    for path in (FIXTURES / "submissions").glob("*.json"):
        shutil.copy(path, root / "submissions" / f"{path.stem}.ipynb")
    reference = root / "chapters" / "99_tiny.ipynb"
    return {"root": root, "reference": reference, "submissions": root / "submissions"}


def test_chapters_with_exercises_found():
    assert any(p.stem == "01_rnn" for p in CHAPTERS)
    assert len(CHAPTERS) >= 7


@pytest.mark.parametrize("path", ALL_CHAPTERS, ids=lambda p: p.stem)
def test_exercises_follow_the_convention(path):  # issue 8: at least three exercises in every chapter
    nb = read(path)
    exercises = homework.parse_exercises(nb)
    assert len(exercises) >= 3, f"{path.stem}: {len(exercises)} exercises, at least 3 expected"
    assert [ex.number for ex in exercises] == list(range(1, len(exercises) + 1))
    assert len({ex.label for ex in exercises}) == len(exercises)
    for ex in exercises:
        assert ex.label.startswith("ex-"), ex.label
        assert ex.solution_cells, f"{ex.label}: no cell with ### BEGIN SOLUTION"
        assert ex.check_cells, f"{ex.label}: no check cell printing 'PASS: exercise {ex.number}'"
        for i in ex.solution_cells:
            tags = nb.cells[i].metadata.get("tags", [])
            assert "hide-input" in tags, f"{ex.label}: cell {i} is not tagged hide-input"
        for i in ex.check_cells:  # the check cells must not hold a solution
            assert not homework.marked_regions(nb.cells[i].source)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_solution_notebooks_pass_their_checks(path):
    # nbval re-executes the committed notebook and compares these outputs with a fresh run
    nb = read(path)
    for ex in homework.parse_exercises(nb):
        printed = "".join(homework._stdout(nb.cells[i]) for i in ex.check_cells)
        assert f"PASS: exercise {ex.number}" in printed, f"{ex.label}: no stored PASS line"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_student_version_has_no_solution(path):
    reference = read(path)
    student = homework.student_notebook(reference)
    exercises = homework.parse_exercises(reference)
    text = nbformat.writes(student)
    assert "### BEGIN SOLUTION" not in text and "{solution}" not in text
    n_regions = sum(len(homework.marked_regions(reference.cells[i].source))
                    for ex in exercises for i in ex.solution_cells)
    assert text.count("NotImplementedError(\\\"exercise ") == n_regions
    by_id = {c.id: c for c in student.cells}
    for ex in exercises:
        for i in ex.check_cells:
            assert by_id[reference.cells[i].id].source == reference.cells[i].source  # checks kept
            assert by_id[reference.cells[i].id].outputs == []
        for i in ex.solution_cells:  # everything outside the markers is kept, e.g. the def line
            ref_lines = reference.cells[i].source.split("\n")
            regions = homework.marked_regions(reference.cells[i].source)
            inside = {k for b, e, _ in regions for k in range(b, e + 1)}
            outside = [line for k, line in enumerate(ref_lines) if k not in inside]
            stu = by_id[reference.cells[i].id]
            assert [line for line in stu.source.split("\n") if "NotImplementedError" not in line] == outside
            assert "hide-input" not in stu.metadata.get("tags", [])
            assert stu.metadata["homework"] == {"exercise": ex.number, "role": "solution"}
    needles = homework.Needles.from_notebooks([path])
    assert needles.lines, "nothing to search for: the leak check would pass vacuously"
    assert homework.find_leaks_in_text(text, needles) == []
    assert homework.find_leaks_in_text(nbformat.writes(reference), needles)  # the reference does leak


def test_student_stub_keeps_indentation_and_drops_solution_blocks(tiny, tmp_path):
    assert homework.main(["student", str(tiny["reference"]), "--out", str(tmp_path)]) == 0
    student = read(tmp_path / "99_tiny.ipynb")
    sources = [c.source for c in student.cells]
    assert ("def abs_sum(x):\n    # the sum of |x_i| over a 1-d array\n"
            '    raise NotImplementedError("exercise 1: write your solution here")') in sources
    assert 'raise NotImplementedError("exercise 3: write your solution here")' in sources  # top level
    markdown = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
    assert "solution" not in markdown and "slope_from_value" not in markdown  # :::: fence with code inside
    assert markdown.count("{exercise}") == 3
    assert len(student.cells) == len(read(tiny["reference"]).cells) - 3  # the 3 solution cells


def _grade_student(args):
    path, reference = args
    start = time.process_time()
    grades, info = homework.grade_submission(path, reference, hidden_dir=None, cell_timeout=120)
    return path.stem, grades, info, time.process_time() - start


def test_student_notebooks_fail_with_not_implemented_error(tmp_path):
    jobs = []
    for path in CHAPTERS:
        homework.write_student_versions([path], tmp_path / path.stem)
        jobs.append((tmp_path / path.stem / path.name, path))
    start = time.monotonic()
    with concurrent.futures.ProcessPoolExecutor(max_workers=homework.MAX_WORKERS) as pool:
        results = list(pool.map(_grade_student, jobs))
    wall = time.monotonic() - start
    report, wrong = [], []
    for chapter, grades, info, _ in results:
        report.append(f"{chapter}: {info['cells_run']} cells, kernel CPU {info['cpu_s']:.1f} s, "
                      f"wall {info['wall_s']:.1f} s")
        wrong += [f"{chapter} exercise {g.exercise}: {g.status}: {g.detail}" for g in grades
                  if not (g.status == "error" and "NotImplementedError: exercise" in g.detail)]
    print(f"student notebooks of {len(jobs)} chapters in {wall:.0f} s wall:\n" + "\n".join(report))
    assert not wrong, "failing otherwise than with NotImplementedError:\n" + "\n".join(wrong)


@pytest.fixture(scope="module")
def graded(tiny, tmp_path_factory):
    out = tmp_path_factory.mktemp("grades") / "grades.csv"
    grades, infos = homework.grade_folder(tiny["submissions"], tiny["reference"], FIXTURES / "hidden",
                                          cell_timeout=5)
    summary = homework.write_grades(grades, infos, out)
    return {"grades": {(g.student, g.exercise): g for g in grades}, "csv": out, "summary": summary}


def test_grade_table_is_exactly_as_expected(graded):
    assert graded["csv"].read_text() == (FIXTURES / "expected_grades.csv").read_text()
    rows = list(csv.DictReader(open(graded["csv"])))
    assert {r["student"] for r in rows} == {p.stem for p in (FIXTURES / "submissions").glob("*.json")}
    assert "| right | pass | pass | pass | 3/3 |" in graded["summary"]


def test_grades_of_each_kind_of_submission(graded):
    g = graded["grades"]
    assert all(g[("right", n)].status == "pass" for n in (1, 2, 3))
    assert g[("wrong", 2)].status == "fail" and "relative error" in g[("wrong", 2)].detail  # measured error
    assert g[("syntax", 1)].status == "error" and "SyntaxError" in g[("syntax", 1)].detail
    assert g[("syntax", 2)].status == "pass"  # the rest of a broken submission is still graded
    assert g[("loop", 2)].status == "timeout" and g[("loop", 3)].status == "pass"
    assert g[("tampered", 1)].status == "tampered"
    assert g[("deleted", 2)].status == "missing"
    assert g[("hidden_fail", 1)].status == "fail" and g[("hidden_fail", 1)].detail.startswith("hidden check")
    assert g[("helper", 2)].status == "pass"  # a helper in an extra cell of the student's own
    assert all(g[("garbage", n)].status == "invalid" for n in (1, 2, 3))
    assert all("NotImplementedError" in g[("blank", n)].detail for n in (1, 2, 3))


def _leaky_build(root: Path, line: str, prose: str, word: str) -> None:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    (root / "_sources" / "chapters").mkdir(parents=True)
    (root / "_downloads").mkdir()
    (root / "index.html").write_text("<html><body><p>The exercises.</p></body></html>")
    (root / "chapters.html").write_text(highlight(line, PythonLexer(), HtmlFormatter()))
    (root / "_sources" / "chapters" / "page.md.txt").write_text(f"Intro.\n\n{prose}\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"x = 1\n{line}")])
    (root / "_downloads" / "page.ipynb").write_text(nbformat.writes(nb))
    index = {"terms": {"exercis": [0], word: [0]}, "titleterms": {}}
    (root / "searchindex.js").write_text(f"Search.setIndex({json.dumps(index)})")


def test_leak_check_finds_every_kind_of_leak(tiny, tmp_path):
    needles = homework.Needles.from_notebooks([tiny["reference"]])
    stem = homework._stemmer()
    _leaky_build(tmp_path, "    total_absolute = np.abs(x).sum()",
                 "The absolute values summed with numpy give the whole\nanswer in a single vectorised "
                 "reduction over the array.",
                 stem("logistic_value"))
    found = homework.leak_check(tmp_path, needles)
    places = {leak.split(":")[0] for leak in found}
    assert places == {"chapters.html", "_sources/chapters/page.md.txt", "_downloads/page.ipynb",
                      "searchindex.js"}, found
    assert any("search term" in leak and "logistic_value" in leak for leak in found)


def test_leak_check_passes_a_clean_build(tiny, tmp_path):
    needles = homework.Needles.from_notebooks([tiny["reference"]])
    student = homework.student_notebook(read(tiny["reference"]))
    (tmp_path / "_sources").mkdir()
    (tmp_path / "_sources" / "99_tiny.ipynb").write_text(nbformat.writes(student))
    (tmp_path / "page.html").write_text("<p>Implement <code>abs_sum(x)</code>, the sum of |x_i|.</p>")
    (tmp_path / "searchindex.js").write_text('Search.setIndex({"terms": {"abs_sum": [0]}, "titleterms": {}})')
    assert homework.leak_check(tmp_path, needles) == []


def test_leak_check_cli(tiny, tmp_path, capsys):
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    shutil.copy(tiny["reference"], book / "chapters")
    build = tmp_path / "build"
    build.mkdir()
    (build / "page.html").write_text("<pre>    logistic_value = 1 / (1 + np.exp(-a))</pre>")
    assert homework.main(["leak-check", str(build), "--book", str(book)]) == 1
    assert "logistic_value = 1 / (1 + np.exp(-a))" in capsys.readouterr().out
    (build / "page.html").write_text("<p>clean</p>")
    assert homework.main(["leak-check", str(build), "--book", str(book)]) == 0


def test_leak_check_on_a_real_build(tiny, tmp_path):
    """A small Jupyter Book with the fixture chapter twice: as written (solutions) and as the student
    version. Every kind of leak is found in the pages of the first and none in those of the second."""
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    shutil.copy(tiny["reference"], book / "chapters" / "99_tiny.ipynb")
    nbformat.write(homework.student_notebook(read(tiny["reference"])), book / "chapters" / "student.ipynb")
    (book / "intro.md").write_text("# Intro\n")
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: chapters/99_tiny\n"
                                   "  - file: chapters/student\n")
    (book / "_config.yml").write_text(
        "title: leak test\nexecute:\n  execute_notebooks: 'off'\nparse:\n  myst_enable_extensions: "
        "[colon_fence, dollarmath]\nsphinx:\n  extra_extensions: [sphinx_exercise]\n")
    jb = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jb), "build", str(book), "--path-output", str(tmp_path / "out")], check=True,
                   capture_output=True)
    needles = homework.Needles.from_notebooks([book / "chapters" / "99_tiny.ipynb"])
    found = homework.leak_check(tmp_path / "out" / "_build" / "html", needles)
    files = {leak.split(": ")[0] for leak in found}
    assert {"chapters/99_tiny.html", "_sources/chapters/99_tiny.ipynb", "searchindex.js"} <= files, files
    assert not any("student" in f for f in files), files
    for line in ("total_absolute = np.abs(x).sum()", "slope_from_value = s * (1 - s)",
                 "The remainder after one hundred terms"):
        assert any(leak.startswith("chapters/99_tiny.html") and line in leak for leak in found), line


def test_chapter_01_has_a_hidden_check():
    hidden = homework.load_hidden("01_rnn", homework.HIDDEN)
    assert hidden and set(hidden) <= {ex.number for ex in homework.parse_exercises(read(CHAPTERS[0]))}


def test_instructor_page_catalog_is_current():
    page = homework.page_catalog(ROOT / "instructor.md")
    assert page == homework.catalog(), "run: python scripts/homework.py catalog --update instructor.md"


def test_dropping_a_page_drops_the_part_it_leaves_empty():
    # The student site drops the instructor guide; its part must go too, or the toc is malformed.
    toc = {"root": "intro", "parts": [
        {"caption": "Chapters", "chapters": [{"file": "chapters/01_rnn"}]},
        {"caption": "For instructors", "chapters": [{"file": "instructor"}]},
        {"caption": "Reference", "chapters": [{"file": "api/index", "sections": [{"file": "instructor"}]}]},
    ]}
    homework._drop_from_toc(toc, {"instructor"})
    assert toc == {"root": "intro", "parts": [
        {"caption": "Chapters", "chapters": [{"file": "chapters/01_rnn"}]},
        {"caption": "Reference", "chapters": [{"file": "api/index"}]},
    ]}


def test_links_to_the_instructor_guide_become_plain_text_on_the_student_site():
    text = "see the {doc}`instructor guide <instructor>`, or {doc}`instructor`; {doc}`notation` stays"
    assert homework._unlink_instructor_guide(text) == (
        "see the instructor guide, or the instructor guide; {doc}`notation` stays")
