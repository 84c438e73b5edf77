PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench clean node-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/accessproof validate-policy examples/policies --output text --fail-on NONE

node-deps:
	cd tests/evaluate/node && (npm ci --no-audit --no-fund || npm install --no-audit --no-fund)

test: $(STAMP) node-deps
	$(BIN)/python -m pytest -n 2

bench: $(STAMP)
	$(BIN)/python bench/validate_corpus.py

clean:
	rm -rf $(VENV)
