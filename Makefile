# polybot: the two commands are `make demo` and `make test` (README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock setup.py polybot/polymarket/_bookcore.c | sha1sum | cut -c1-12)

.PHONY: demo test lint format typecheck migrations-check install services-start services-stop services-status ci clean

$(STAMP): pyproject.toml requirements.lock setup.py polybot/polymarket/_bookcore.c
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

demo: install
	@bash scripts/demo.sh

test: install lint
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || test -n "$$POLYBOT_CHROMIUM" \
	  || echo "NOTE: no Chromium found: the browser test (tests/browser) will be SKIPPED. Install Debian's chromium to run it."
	$(BIN)/pytest --cov --cov-report=term -rs $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Also part of the suite (tests/polybot/test_migrations.py).
migrations-check: install
	$(BIN)/pytest -q tests/polybot/test_migrations.py

services-start: install
	$(BIN)/python -m polybot.embedded start

services-stop: install
	$(BIN)/python -m polybot.embedded stop

services-status: install
	$(BIN)/python -m polybot.embedded status

ci: test

clean: services-stop
	rm -rf $(VENV) var .pytest_cache .ruff_cache .coverage
