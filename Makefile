# Two commands on a fresh machine: `make demo` (serve a demo; `make demo PORT=8001` on another port) and `make test`
# (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo test test-fast browser-deps messages clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/.installed

# The demo's address: `make demo PORT=8001` (or HOST=0.0.0.0 to reach it from another machine).
PORT ?= 8000
HOST ?= 127.0.0.1

demo: install
	$(BIN)/aims demo --host $(HOST) --port $(PORT)

# Tests run on every core (pytest-xdist); `make test TEST_WORKERS=0` runs them in this process.
TEST_WORKERS ?= auto

# The whole suite, browser journeys included (Debian's Chromium is installed if missing). The scale-out test runs
# when DATABASE_URL names PostgreSQL (CI's second pass, scripts/pg-test) and is deselected otherwise (conftest.py).
test: install browser-deps
	$(BIN)/pytest -n $(TEST_WORKERS)

# Everything but the browser journeys and the scale-out test (CI's SQLite pass: its PostgreSQL pass runs them).
test-fast: install
	$(BIN)/pytest -n $(TEST_WORKERS) -m "not browser and not scaleout"

browser-deps:
	@scripts/ensure-chromium

# Each app with a locale/ folder keeps its own French catalogue (fewer merge conflicts between modules); the project
# catalogue (src/aims/locale) holds core, the shared templates and every app without one.
APP_CATALOGUES = $(patsubst src/aims/%/locale,%,$(wildcard src/aims/*/locale))
messages: install
	cd src/aims && ../../$(BIN)/django-admin makemessages -l fr --ignore 'tests/*' $(foreach app,$(APP_CATALOGUES),--ignore '$(app)/*') \
	  && msgattrib --no-obsolete -o locale/fr/LC_MESSAGES/django.po locale/fr/LC_MESSAGES/django.po
	for app in $(APP_CATALOGUES); do (cd src/aims/$$app && ../../../$(BIN)/django-admin makemessages -l fr --ignore 'tests/*' \
	  && msgattrib --no-obsolete -o locale/fr/LC_MESSAGES/django.po locale/fr/LC_MESSAGES/django.po) || exit 1; done
	cd src/aims && ../../$(BIN)/django-admin compilemessages

clean:
	rm -rf $(VENV) build *.egg-info
