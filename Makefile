# Steward: two commands on a fresh machine: `make demo` and `make test`.
#   make test                         ruff, import contracts, mypy, then every test in parallel
#   make test ARGS=tests/tickets      the same checks, then only those tests (any pytest arguments)
#   make test-fast                    the tests without the slow ones (subprocess CLI runs, restarts)
#   make pytest ARGS='-k merge -n0'   tests only; -n0 runs them in one process (for a debugger)
#   make lock                         refresh requirements.lock from pyproject.toml (then commit it)
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
# Every dependency (runtime, the test extra and the build's own: setuptools, wheel, mypy) pinned
# with its hashes; the install takes exactly these (pip --require-hashes), CI too.
LOCK := requirements.lock
LOCK_VENV := .venv-lock
PIP_TOOLS := pip-tools==7.7.0

.PHONY: demo test test-fast lint typecheck pytest bench install build clean lock

# Installing compiles the classifier (and must: the editable install registers mypyc's runtime
# module); the build stamp is set with it, so a fresh clone compiles once.
$(STAMP): pyproject.toml setup.py $(LOCK)
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	rm -f $(VENV)/.built-* nlp/*.so *__mypyc*.so
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP) $(BUILT)

# The lock, resolved afresh from pyproject.toml's ranges (newest versions that fit), with hashes.
$(LOCK_VENV)/bin/pip-compile:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet '$(PIP_TOOLS)'

lock: $(LOCK_VENV)/bin/pip-compile
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet --upgrade --generate-hashes \
	  --allow-unsafe --all-build-deps --extra test --strip-extras --no-emit-index-url \
	  --no-emit-find-links --output-file $(LOCK) pyproject.toml

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
	rm -rf $(VENV) $(LOCK_VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache nlp/*.so *__mypyc*.so
