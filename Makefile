# Steward: two commands on a fresh machine: `make demo` and `make test`.
#   make test                         ruff, import contracts, mypy, then every test in parallel
#   make test ARGS=tests/tickets      the same checks, then only those tests (any pytest arguments)
#   make test-fast                    the tests without the slow ones (subprocess CLI runs, restarts)
#   make pytest ARGS='-k merge -n0'   tests only; -n0 runs them in one process (for a debugger)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The classifier's hot modules are compiled with mypyc (setup.py). STEWARD_PURE_PYTHON=1 runs the
# same code as plain Python (compiled modules removed).
MODE := $(if $(filter 1,$(STEWARD_PURE_PYTHON)),pure,mypyc)
BUILT := $(VENV)/.built-$(MODE)
COMPILED_SRC := $(wildcard nlp/*.py)
# pytest-xdist workers; each test still gets a database of its own (tests/conftest.py).
JOBS ?= auto
ARGS ?=

.PHONY: demo test test-fast lint typecheck pytest bench install build clean

# Installing compiles the classifier (and must: the editable install registers mypyc's runtime
# module); the build stamp is set with it, so a fresh clone compiles once.
$(STAMP): pyproject.toml setup.py
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	rm -f $(VENV)/.built-* nlp/*.so *__mypyc*.so
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP) $(BUILT)

# After an edit to nlp/ (or a switch of STEWARD_PURE_PYTHON), compile again. The test session also
# refuses to start on a compiled module older than its source (tests/compiled.py).
$(BUILT): $(COMPILED_SRC) | $(STAMP)
	@if [ -f $@ ] && [ -z "$$(find $(COMPILED_SRC) -newer $@)" ]; then touch $@; else \
	  echo "compiling the classifier ($(MODE))"; \
	  rm -f $(VENV)/.built-* nlp/*.so *__mypyc*.so; \
	  if [ "$(MODE)" = mypyc ]; then $(BIN)/python setup.py --quiet build_ext --inplace; fi; \
	  touch $@; \
	fi

install: $(BUILT)

build: $(BUILT)

demo: $(BUILT)
	$(BIN)/steward demo

PY_DIRS := bot handlers nlp storage tests bench

lint: $(STAMP)
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/ruff format --check $(PY_DIRS)
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy $(PY_DIRS)

pytest: $(BUILT)
	$(BIN)/pytest -q -n $(JOBS) $(ARGS)

test: lint typecheck pytest

test-fast: lint typecheck
	$(BIN)/pytest -q -n $(JOBS) -m "not slow" $(ARGS)

bench: $(BUILT)
	$(BIN)/python -m bench.accuracy
	$(BIN)/python -m bench.speed
	$(BIN)/python -m bench.intake
	$(BIN)/python -m bench.broadcast

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache nlp/*.so *__mypyc*.so
