# Two commands on a fresh machine: `make demo` (serve a demo) and `make test` (the whole suite).
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

demo: install
	$(BIN)/aims demo

# The whole suite, browser journeys included (Debian's Chromium is installed if missing).
test: install browser-deps
	$(BIN)/pytest

# Everything but the browser journeys (used for the PostgreSQL pass in CI).
test-fast: install
	$(BIN)/pytest -m "not browser"

browser-deps:
	@scripts/ensure-chromium

messages: install
	cd src/aims && ../../$(BIN)/django-admin makemessages -l fr --ignore 'tests/*' && ../../$(BIN)/django-admin compilemessages

clean:
	rm -rf $(VENV) build *.egg-info
