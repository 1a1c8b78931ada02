# paperbell - every target sets up what it needs (a venv with the project installed).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
OUTBOX ?= outbox
export SAM_CLI_TELEMETRY = 0
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: help demo test lint typecheck validate scan browser preview faults fuzz unit integration e2e build bench clean

help:
	@echo "make demo   - run the whole pipeline locally (moto), mails to ./$(OUTBOX)"
	@echo "make test   - lint + type check + template validation + checkov + the whole test suite"
	@echo "make scan   - checkov on template.yaml (every skipped check has its reason there)"
	@echo "make build  - sam build (no Docker needed; python3.11 on PATH; ARCH=x86_64 to change)"
	@echo "make preview - render a digest to $(OUTBOX)/preview.html and .png"
	@echo "make faults - fault-injection suite with its loss/duplicate table"
	@echo "make fuzz   - 100,000+ generated inputs, zero uncaught exceptions expected"
	@echo "make bench  - benchmarks (see BENCHMARKS.md)"

$(STAMP): pyproject.toml layers/paperbell/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

demo: $(STAMP)
	$(BIN)/paperbell demo --outbox $(OUTBOX)

lint: $(STAMP)
	$(BIN)/ruff check layers dev functions tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

validate: $(STAMP)
	$(BIN)/sam validate --lint --template template.yaml

# checkov in a venv of its own: it pins boto3/networkx/packaging below the project's.
# Fails on any failed check; the template says why each skipped check is skipped.
SCAN_VENV  ?= .venv-scan
SCAN_STAMP  = $(SCAN_VENV)/.installed-stamp
$(SCAN_STAMP): scripts/scan/requirements.txt
	$(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SCAN_VENV)/bin/python -m pip install --quiet -r scripts/scan/requirements.txt
	@touch $@

scan: $(SCAN_STAMP)
	$(SCAN_VENV)/bin/checkov --file template.yaml --framework cloudformation --quiet \
	  --skip-download -o json | $(SCAN_VENV)/bin/python scripts/scan/checkov_report.py

# Debian's chromium + chromedriver for the browser test and `make preview` (no download).
browser:
	bash scripts/install_browser.sh

test: lint typecheck validate scan browser
	$(BIN)/pytest -q

# A digest rendered to HTML, text and a PNG (headless Chromium) for a person to look at.
preview: $(STAMP) browser
	$(BIN)/paperbell preview-mail --out $(OUTBOX)/preview.html
	bash scripts/screenshot.sh $(OUTBOX)/preview.html $(OUTBOX)/preview.png

unit: $(STAMP)
	$(BIN)/pytest tests/unit
integration: $(STAMP)
	$(BIN)/pytest tests/integration
e2e: $(STAMP)
	$(BIN)/pytest tests/e2e

# Fault-injection suite: prints scenario | faults | papers lost | mails lost | duplicates.
faults: $(STAMP)
	$(BIN)/pytest tests/faults -q

# At least 100,000 generated inputs through every parser, tokens, webhooks and the API.
fuzz: $(STAMP)
	PAPERBELL_FUZZ_EXAMPLES=7500 PAPERBELL_FUZZ_MIN_TOTAL=100000 $(BIN)/pytest tests/fuzz -q

# The layer's wheels must match the functions' architecture (layers/paperbell/Makefile).
ARCH ?= arm64
build: $(STAMP)
	PAPERBELL_ARCH=$(ARCH) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam build \
		--template template.yaml --parameter-overrides Architecture=$(ARCH)

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(SCAN_VENV) .aws-sam $(OUTBOX) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# `sam local invoke` of every function in a real container, offline (Debian, root): see
# scripts/sam_local/sam_local.sh. Installs docker.io/debootstrap if missing, builds a
# Lambda-like base image once, runs a private dockerd and stops it at the end.
.PHONY: sam-local
sam-local: $(STAMP)
	SAM_LOCAL_PYTHON="$(CURDIR)/$(BIN)/python" bash scripts/sam_local/sam_local.sh
