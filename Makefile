# The two quick-start commands: `make demo` and `make test`.
# Each creates .venv and installs what it needs; nothing else is required.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench install clean

$(STAMP): pyproject.toml src/leaktrace/core/_hmac_batch.c
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

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -n 2 $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
