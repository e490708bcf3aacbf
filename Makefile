# Two commands on a fresh machine:  `make run`  (collect + score + app)  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## run: track the curated projects, import the grants, collect every source, score, open the app
run: $(STAMP)
	$(BIN)/tracker add --from data/projects.yaml
	$(BIN)/tracker grants import data/grants.csv
	-$(BIN)/tracker collect
	-$(BIN)/tracker score
	$(BIN)/tracker app

## test: lint and the full test suite
test: $(STAMP)
	$(BIN)/ruff check tracker collectors tests bench app.py
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/git_collect.py

clean:
	rm -rf $(VENV) .pytest_cache
