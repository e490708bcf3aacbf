# Two commands on a fresh machine:  `make run`  (the app and the scheduler)  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8501

.PHONY: run test install lint bench clean sample

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## run: the app on http://localhost:8501 and the scheduler, in one process tree (Ctrl-C stops both).
## A first start loads the bundled snapshot (data/sample/): real projects at once; collection runs
## in the background, smallest work first. `make run PORT=8600` for another port.
run: $(STAMP)
	$(BIN)/tracker serve --port $(PORT)

## sample: rebuild the bundled snapshot (MIRRORS=DIR reads repositories from local bare mirrors)
sample: $(STAMP)
	$(BIN)/tracker sample build $(if $(MIRRORS),--mirrors $(MIRRORS))

## test: lint and the full test suite
test: $(STAMP)
	$(BIN)/ruff check tracker collectors tests bench app.py
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/git_collect.py

clean:
	rm -rf $(VENV) .pytest_cache
