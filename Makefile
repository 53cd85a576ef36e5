# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint format install worker check bench-lookup clean screenshots

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Embedded mode: SQLite, a Celery worker and beat on the file-system broker, demo data,
# dev server; its settings go to var/.env for later manage.py commands (scripts/run_embedded.py).
run: $(STAMP)
	$(BIN)/python scripts/run_embedded.py --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=true $(BIN)/python manage.py check
	DEBUG=true $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(BIN)/bandit -q -r lib accounts api audit config directory disputes front screenings private_screening client -x '*/migrations/*'

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var staticfiles

bench-lookup: $(STAMP)
	$(BIN)/python bench/lookup.py

.PHONY: bench-screening
bench-screening: $(STAMP)
	$(BIN)/python bench/screening.py

# Every member and public page at 1280 and 390 px wide, into var/screenshots/ (needs /usr/bin/chromium).
screenshots: $(STAMP)
	SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/browser/test_screenshots.py

.PHONY: bench-tenants
bench-tenants: $(STAMP)
	$(BIN)/python bench/tenants.py
.PHONY: bench-import
bench-import: $(STAMP)
	$(BIN)/python bench/import.py
.PHONY: bench-private
bench-private: $(STAMP)
	$(BIN)/python bench/private.py
