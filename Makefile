# The README's two commands: `make run` and `make test`. Both set up everything they need.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PORT   ?= 8000

.PHONY: run test setup system-deps lint clean

$(BIN)/kb: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/kb

setup: $(BIN)/kb

# Runs Vastaus on the bundled sample knowledge base.
run: setup
	$(BIN)/kb lint

# Runs the whole test suite, lint and style checks included.
test: setup
	$(BIN)/ruff check kb tests
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .kb-index docs/_build
