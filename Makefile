# Steward: two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The classifier's hot modules are compiled with mypyc (setup.py) and rebuilt whenever nlp/
# changes. STEWARD_PURE_PYTHON=1 runs the same code as plain Python (compiled modules removed).
COMPILED_SRC := $(wildcard nlp/*.py)
BUILT := $(VENV)/.built-$(if $(filter 1,$(STEWARD_PURE_PYTHON)),pure,mypyc)

.PHONY: demo test lint typecheck pytest bench install build clean

# The editable install compiles too (and must: it registers the compiled runtime module).
$(STAMP): pyproject.toml setup.py
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(BUILT): $(STAMP) $(COMPILED_SRC)
	rm -f $(VENV)/.built-* nlp/*.so *__mypyc*.so
ifneq ($(STEWARD_PURE_PYTHON),1)
	$(BIN)/python setup.py --quiet build_ext --inplace
endif
	touch $(BUILT)

install: $(BUILT)

build: $(BUILT)

demo: $(BUILT)
	$(BIN)/steward demo

PY_DIRS := bot handlers nlp storage tests bench

lint: $(STAMP)
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/ruff format --check $(PY_DIRS)

typecheck: $(STAMP)
	$(BIN)/mypy $(PY_DIRS)

pytest: $(BUILT)
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: $(BUILT)
	$(BIN)/python -m bench.accuracy
	$(BIN)/python -m bench.speed
	$(BIN)/python -m bench.intake
	$(BIN)/python -m bench.broadcast

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache nlp/*.so *__mypyc*.so
