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

test: $(STAMP)  ## the one test command: lint, rnnlib's tests, nbval over every notebook
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .

html: $(STAMP)  ## build the website into _build/html, strictly, and check it is offline
	$(BIN)/jupyter-book build -W -n --keep-going .
	$(BIN)/python scripts/check_offline_html.py _build/html

execute: $(STAMP)  ## re-execute every notebook in place, each in a fresh kernel
	$(BIN)/python scripts/execute_notebooks.py

lab: $(STAMP)  ## open the notebooks in JupyterLab
	$(BIN)/jupyter lab chapters/

bench: $(STAMP)  ## time rnnlib's layers against torch.nn (prints ratios)
	$(BIN)/python benchmarks/layers.py

clean:
	rm -rf _build .jupyter_cache .pytest_cache .hypothesis
