# Two commands on a fresh machine:  `make run`  (the app and the scheduler)  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8501

.PHONY: run test install lint bench clean sample mutation

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

## test: lint and the full test suite, on every core (TEST_WORKERS=0 runs it in one process).
## Byte code is written even where PYTHONDONTWRITEBYTECODE is set: the suite starts a few hundred
## `tracker` processes, and each would otherwise compile every module it imports again.
TEST_WORKERS ?= auto
test: $(STAMP)
	$(BIN)/ruff check tracker collectors tests bench app.py
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

## mutation: mutation testing of scoring, metrics, funding files and requirements (slow; not in CI).
## Mutants and the fast tests of those modules are set in pyproject.toml [tool.mutmut]; the score
## and the survivors are kept in docs/testing.md. MUTATION_JOBS=1 leaves a core free.
MUTATION_JOBS ?= 2
mutation: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,mutation]'
	rm -rf mutants
	-nice -n 15 $(BIN)/mutmut run --max-children $(MUTATION_JOBS)
	$(BIN)/python tests/mutation_score.py

bench: $(STAMP)
	$(BIN)/python bench/git_collect.py

clean:
	rm -rf $(VENV) .pytest_cache mutants
