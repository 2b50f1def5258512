# Two entry points for a fresh machine: `make demo` and `make test`. Both create .venv and install.
#
# torch is pinned to the CPU wheel first (TORCH_SPEC) so that resolving the other requirements never
# pulls a multi-GB CUDA build. A GPU user overrides it, e.g.
#   make install TORCH_SPEC="torch==2.5.1" PIP_TORCH_ARGS="--index-url <PyTorch CUDA wheel index>"
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH_SPEC ?= torch==2.13.0
PIP_TORCH_ARGS ?=
PYTEST_ARGS ?=

.PHONY: install test demo lint bench clean

$(VENV)/.installed: pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(PIP_TORCH_ARGS) "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

install: $(VENV)/.installed

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: install
	$(BIN)/xner demo

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .xner mlflow.db mlruns .pytest_cache
