# The two commands of the README: `make demo` and `make test`. Each bootstraps a virtual
# environment in .venv with nothing but Python 3.11+ and pip.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SOURCES := pyproject.toml $(shell find src importers plugins templates examples -type f -not -path '*/__pycache__/*' 2>/dev/null)
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean dev

$(STAMP): $(SOURCES)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]" --config-settings editable_mode=strict
	@touch $@

dev: $(STAMP)

demo: $(STAMP)
	$(BIN)/ecomledger demo ecomledger-demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy -p ecomledger

clean:
	rm -rf $(VENV) build ecomledger-demo .pytest_cache .mypy_cache .ruff_cache
