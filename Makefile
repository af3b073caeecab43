# The README's commands. Each target sets up its own virtualenv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

NODE_STAMP := node_modules/.installed
# The `blogctl` console script (pyproject.toml), an editable install of this checkout.
BLOGCTL := $(BIN)/blogctl

# Two test processes (pytest-xdist), each with its own emulator: the tests wait on the
# in-process moto server a GIL at a time, so one process keeps one core busy.
# PYTEST_WORKERS=-n0 runs them in this process.
PYTEST_WORKERS ?= -n 2

.PHONY: run test test-quick bench bench-mail templates translations lint format setup-stage package clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# Built with the venv's own setuptools when it has one (Python 3.11's venv does), so
# nothing is downloaded; a newer Python's venv has none, and pip fetches it as it
# fetched the requirements.
$(BLOGCTL): pyproject.toml $(STAMP)
	if $(BIN)/python -c "import setuptools" 2>/dev/null; then isolation=--no-build-isolation; \
	else isolation=; fi; \
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps $$isolation -e .
	touch $(BLOGCTL)

# Test-only checkers (Nu HTML Checker, axe-core) from the npm registry; skipped without npm.
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $(NODE_STAMP); \
	else echo "npm not found: the HTML validity and accessibility checks will be skipped"; fi

run: $(STAMP) $(BLOGCTL)
	$(BIN)/python -m devtools.run_local

test: $(STAMP) $(BLOGCTL) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_WORKERS)

# While developing: lint, format, types and every test not marked slow (no browser or package).
test-quick: $(STAMP) $(BLOGCTL)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_WORKERS) -m "not slow" --no-cov

# Benchmarks (bench/RESULTS.md): N = 100 and 2,000, then a bulk import of 2,000 posts
# extrapolated to 10,000; make bench ARGS=--large adds N = 10,000 and imports 10,000.
# Hugo, the static site generator compared against, comes from Debian's packages.
bench: $(STAMP) $(BLOGCTL)
	@command -v hugo >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get install -y -q hugo; \
		else sudo apt-get install -y -q hugo; fi; } || \
		echo "hugo could not be installed: the comparison with it will be skipped"
	$(BIN)/python -m bench.run $(ARGS)
	$(BIN)/python -m bench.bulk --sizes $(if $(findstring --large,$(ARGS)),10000,2000)
	$(BIN)/python -m bench.mail --subscribers 10000

# The new-post mail alone: 10,000 subscribers, one send worker killed mid-batch.
bench-mail: $(STAMP) $(BLOGCTL)
	$(BIN)/python -m bench.mail --subscribers 10000

# Recompile chalicelib/template_cache/ after changing a template in templates/ (a test checks it).
templates: $(STAMP) $(BLOGCTL)
	$(BIN)/python -m devtools.compile_templates

# After changing a template's text or adding a language: extract the messages into
# locale/messages.pot, merge them into each locale/<lang>/LC_MESSAGES/messages.po, compile
# the .mo files and regenerate chalicelib/locale_data.py (tests check all three are current).
translations: $(STAMP) $(BLOGCTL)
	$(BIN)/python -m devtools.translations
	$(BIN)/python -m devtools.compile_templates

lint: $(STAMP) $(BLOGCTL)
	$(BIN)/ruff check .
	$(BIN)/mypy

format: $(STAMP) $(BLOGCTL)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Create a stage's table and bucket and record them in .chalice/: make setup-stage STAGE=prod
setup-stage: $(STAMP) $(BLOGCTL)
	$(BLOGCTL) --stage $(STAGE) setup

clean:
	rm -rf $(VENV) node_modules .local build .pytest_cache .ruff_cache .mypy_cache
