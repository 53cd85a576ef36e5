# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint format install worker check bench-lookup clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Embedded mode: SQLite, a Celery worker on the file-system broker, demo data, dev server.
run: export DEBUG ?= true
run: export REQUIRE_2FA ?= false
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Starting a Celery worker and the web server on http://127.0.0.1:$(PORT)/"
	@trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(BIN)/celery -A config worker --beat --concurrency 2 --loglevel WARNING & WORKER=$$!; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=true $(BIN)/python manage.py check
	DEBUG=true $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(BIN)/bandit -q -r accounts api audit config directory disputes front screenings -x '*/migrations/*'

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

.PHONY: bench-private
bench-private: $(STAMP)
	$(BIN)/python bench/private.py
