# The two quick-start commands: `make demo` and `make test`.
# Each creates .venv and installs what it needs; nothing else is required.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench install clean browser ocr screenshots

$(STAMP): pyproject.toml src/leaktrace/core/_hmac_batch.c src/leaktrace/dumps/_gb18030.c src/leaktrace/dumps/_row_rules.c
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/leaktrace demo $(ARGS)

# Rewrite the JSON Schemas generated from pydantic models (src/leaktrace/core/schemas/);
# tests/cli/test_json_schemas.py fails until they match the models again.
.PHONY: schemas
schemas: $(STAMP)
	$(BIN)/python -m leaktrace.pipeline.json_schemas

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

# The console's browser tests drive Debian's chromium (Playwright, executable_path): install it when missing
# and we are root (CI); elsewhere the browser tests skip without it, but never under CI=true.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; fi

# Sample pictures are read by Debian's Tesseract with its Simplified Chinese and English models (docs/images.md).
ocr:
	@if ! tesseract --list-langs 2>/dev/null | grep -qx chi_sim && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng; fi

test: $(STAMP) browser ocr
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -n 2 $(ARGS)

# PNGs of the console's main pages over the demo world, into docs/ (README shows them).
screenshots: $(STAMP) browser
	$(BIN)/python scripts/console_screenshots.py --out docs
	$(BIN)/python scripts/console_records_screenshots.py --out docs

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
