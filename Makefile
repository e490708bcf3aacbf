# Two commands on a fresh machine:  `make run`  (the app and the scheduler)  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8501

.PHONY: run test install lint bench clean sample mutation mutation-resume

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

## test: lint and the full test suite, one worker per core plus one (tests/conftest.py; TEST_WORKERS=0
## runs it in one process).
## Byte code is written even where PYTHONDONTWRITEBYTECODE is set: the suite starts a few hundred
## `tracker` processes, and each would otherwise compile every module it imports again.
TEST_WORKERS ?= auto
test: $(STAMP)
	$(BIN)/ruff check tracker collectors tests bench app.py
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

## mutation: mutation testing of scoring, metrics, funding files and requirements (slow; not in CI).
## Mutants and the tests of those modules are set in pyproject.toml [tool.mutmut]; each mutant runs
## its own module's tests (tests/mutation_select.py). tests/mutation_run.py runs mutmut in chunks,
## module by module (MUTATION_MODULES=tracker.scoring.evidence for one; MUTATION_WRAP=CMD before each
## chunk, e.g. a CPU lock), then the score per module is printed; docs/testing.md keeps the results.
## MUTATION_JOBS=1 leaves a core free; `make mutation-resume` carries on with the mutants not yet run.
MUTATION_JOBS ?= 2
MUTATION_MODULES ?=
MUTATION_WRAP ?=
MUTATION_RUN = $(BIN)/python tests/mutation_run.py --jobs $(MUTATION_JOBS) \
	$(if $(MUTATION_WRAP),--wrap "$(MUTATION_WRAP)") $(MUTATION_MODULES)
mutation: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,mutation]'
	rm -rf mutants
	-$(MUTATION_RUN)
	$(BIN)/python tests/mutation_score.py

mutation-resume: $(STAMP)
	-$(MUTATION_RUN)
	$(BIN)/python tests/mutation_score.py

bench: $(STAMP)
	$(BIN)/python bench/git_collect.py

clean:
	rm -rf $(VENV) .pytest_cache mutants
