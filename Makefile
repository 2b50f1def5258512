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

.PHONY: install test test-system demo lint bench clean proxy proxy-table1

$(VENV)/.installed: pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(PIP_TORCH_ARGS) "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# `make test`: every test but the system tier, minutes on 2 cores. `make test-system`: the tests that start,
# kill or outlive real processes (crashes mid-grid, server outages, clusters, a wheel install); CI runs both.
test: install
	$(BIN)/python -m pytest -m "not system" $(PYTEST_ARGS)

test-system: install
	$(BIN)/python -m pytest -m system $(PYTEST_ARGS)

demo: install
	$(BIN)/xner demo

# The papers' orderings on the real data (../shared) on 2 CPU cores: TransAdv, w/o MMKD and mBERT-ft on
# CoNLL de/es/nl and WikiAnn hi, AdvPicker's Table 6 rows on de/es/nl, 3 seeds, then the diagnostics.
# Many hours: every finished node stays in the store, so `make proxy` again resumes. PROXY_SET adds
# overrides to every command (e.g. "--set store=/big/disk/store"), PROXY_EXEC executor options to the
# runs (default: Ray, two one-thread workers on two cores).
PROXY_LANGS ?= [de,es,nl]
PROXY_SET ?=
PROXY_EXEC ?= --executor ray
proxy: install
	$(BIN)/xner ablate experiments/proxy/transadv.yaml --set 'data.target_langs=$(PROXY_LANGS)' $(PROXY_SET) $(PROXY_EXEC)
	$(BIN)/xner ablate experiments/proxy/transadv-wikiann.yaml $(PROXY_SET) $(PROXY_EXEC)
	$(BIN)/xner ablate experiments/ablations/proxy/advpicker-table6.yaml --set 'data.target_langs=$(PROXY_LANGS)' \
		$(PROXY_SET) $(PROXY_EXEC)
	$(BIN)/xner analyze experiments/proxy/transadv.yaml --set 'data.target_langs=$(PROXY_LANGS)' --no-probe $(PROXY_SET)
	$(BIN)/xner analyze experiments/proxy/transadv-wikiann.yaml --no-probe $(PROXY_SET)
	$(BIN)/xner analyze experiments/ablations/proxy/advpicker-table6.yaml --set 'data.target_langs=$(PROXY_LANGS)' \
		$(PROXY_SET)

# Issue 25's evidence: TransAdv's Table 1 rows on the proxy (mBERT-ft, TSL, data transfer, UniTrans,
# AdvPicker, TransAdv, CoLaDa; es and de, 3 seeds), CoLaDa's ablations and F1 by round, what MUSE costs
# against the authors' translation, the relabelled corpora's label F1 and kNN AUC, each row's time.
PROXY_T1_LANGS ?= [es,de]
proxy-table1: install
	$(BIN)/xner ablate experiments/ablations/proxy/table1-conll.yaml --set 'data.target_langs=$(PROXY_T1_LANGS)' \
		$(PROXY_SET) $(PROXY_EXEC)
	$(BIN)/xner ablate experiments/proxy/colada.yaml --set 'data.target_langs=$(PROXY_T1_LANGS)' $(PROXY_SET) $(PROXY_EXEC)
	$(BIN)/xner ablate experiments/proxy/data-transfer.yaml --set 'data.target_langs=$(PROXY_T1_LANGS)' \
		$(PROXY_SET) $(PROXY_EXEC)
	$(BIN)/xner analyze experiments/proxy/colada.yaml --set 'data.target_langs=$(PROXY_T1_LANGS)' --no-probe $(PROXY_SET)
	$(BIN)/xner plan experiments/ablations/proxy/table1-conll.yaml --all-variants --cost \
		--set 'data.target_langs=$(PROXY_T1_LANGS)' $(PROXY_SET)

# style, the dependency rule between core/'s folders (pyproject [tool.importlinter]), and every import
# of core/ and registry/ resolved by a static checker
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/basedpyright

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .xner mlflow.db mlruns .pytest_cache
