# One entry point for readers, authors and CI. Every target first makes sure the pinned
# environment exists in .venv (created and filled from requirements.txt the first time,
# refreshed when requirements.txt or pyproject.toml change).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup test lint html execute lab bench clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is needed, found " + sys.version'
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)  ## create .venv with the pinned requirements and rnnlib (editable)

# Two pytest workers, one per core; every notebook (and every test module) stays on one
# worker, whose kernel uses one thread (set_threads(1, 1)), so the two never fight.
test: $(STAMP)  ## the one test command: lint, rnnlib's tests, nbval over every notebook
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadscope

lint: $(STAMP)
	$(BIN)/ruff check .

html: $(STAMP)  ## build the website into _build/html, strictly, and check it is offline
	$(BIN)/jupyter-book build -W -n --keep-going .
	$(BIN)/python scripts/check_offline_html.py _build/html

.PHONY: browser-test
browser-test: $(STAMP)  ## open every page of _build/html in headless Chromium (after make html); page weights
	$(BIN)/python scripts/browser_check.py _build/html --screenshots _build/screenshots
	$(BIN)/python scripts/page_weight.py _build/html

.PHONY: student student-html grade
student: $(STAMP)  ## student notebooks (solutions replaced by stubs) into _build/student/chapters
	$(BIN)/python scripts/homework.py student --out _build/student/chapters

student-html: $(STAMP)  ## the student website, strict, leak-checked, into _build/student/html
	$(BIN)/python scripts/homework.py student-site --out _build/student/html
	$(BIN)/python scripts/check_offline_html.py _build/student/html

# make grade CHAPTER=01_rnn SUBMISSIONS=folder/of/notebooks [OUT=grades.csv] [TIMEOUT=60]
grade: $(STAMP)  ## grade submitted notebooks of one chapter: CSV + summary table
	$(BIN)/python scripts/homework.py grade $(SUBMISSIONS) --chapter $(CHAPTER) \
		--out $(or $(OUT),grades.csv) --timeout $(or $(TIMEOUT),60)

execute: $(STAMP)  ## re-execute every notebook in place, each in a fresh kernel
	$(BIN)/python scripts/execute_notebooks.py

lab: $(STAMP)  ## open the notebooks in JupyterLab
	$(BIN)/jupyter lab chapters/

bench: $(STAMP)  ## time rnnlib's layers against torch.nn (prints ratios)
	$(BIN)/python benchmarks/layers.py

clean:
	rm -rf _build .jupyter_cache .pytest_cache .hypothesis
