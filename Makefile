# The README's two commands: `make run` and `make test`. Both set up everything they need.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PORT   ?= 8000

.PHONY: run test test-fast setup system-deps lint clean docs editors

# System packages from Debian: Voikko (Finnish morphology), Chromium (the plugin's browser tests) and
# PostgreSQL, Redis and haproxy (the usage database's and the replicas' tests start throwaway servers;
# tests/support/postgres.py, redis.py, haproxy.py).
APT_PACKAGES = libvoikko1 voikko-fi chromium postgresql redis-server haproxy

system-deps:
	@if ! dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES); \
	  else \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES); \
	  fi; \
	fi
	@# npm (the test-only editors) comes with Node.js; Debian's own package where there is none.
	@if ! command -v npm >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; \
	fi

$(BIN)/kb: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	# Estonian morphology (Vabamorf, kb/language/estonian.py): only its analyser and lexicons are used,
	# so none of estnltk's own dependencies (pandas, matplotlib, IPython...) are installed.
	$(BIN)/pip install --quiet --no-deps 'estnltk==1.7.5'
	touch $(BIN)/kb

setup: system-deps $(BIN)/kb

# Runs Vastaus on the bundled sample knowledge base: http://127.0.0.1:$(PORT)
run: setup
	$(BIN)/kb serve --port $(PORT)

# The real editors the browser tests insert into (Quill, ProseMirror, TinyMCE, CKEditor 5, Summernote;
# versions in tests/support/editors/package.json), from npm into .cache/editors: never committed.
# The stamp is the package.json's digest, as tests/support/extension_support.py writes it too.
EDITORS = .cache/editors
$(EDITORS)/.installed: tests/support/editors/package.json
	mkdir -p $(EDITORS) && cp $< $(EDITORS)/package.json
	npm install --prefix $(EDITORS) --no-audit --no-fund --loglevel=error
	sha256sum $< | cut -d' ' -f1 | tr -d '\n' > $@

editors: $(EDITORS)/.installed

# Runs the whole test suite, lint and style checks included.
test: setup editors
	$(BIN)/ruff check kb tests bench plugin
	$(BIN)/python -m pytest

# The fast tier, for the edit-test loop: no browser, no real server process, no Sphinx build,
# nothing slow (markers in pyproject.toml). `make test` still runs everything.
FAST_TESTS = not browser and not live_server and not docs and not slow

test-fast: setup
	$(BIN)/ruff check kb tests bench plugin
	$(BIN)/python -m pytest -m "$(FAST_TESTS)"

# Builds the documentation (warnings are errors, every reference must resolve): docs/_build/html/index.html
docs: setup
	$(BIN)/python -m sphinx -W -n -b html docs docs/_build/html

clean:
	rm -rf $(VENV) .kb-index docs/_build
