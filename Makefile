# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_CONTACTS ?= 200

.PHONY: run test lint format check-migrations venv migrate demo worker worker-jobs beat clean bench-load bench-duplicates

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

venv: $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo --min-contacts $(DEMO_CONTACTS)

## make run: embedded mode (SQLite, in-process tasks) with the demo data, on http://127.0.0.1:8000
run: demo
	@echo "Serving on http://$(HOST):$(PORT)/ (log in with a demo account above)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: the whole suite, browser tests included (skipped with a reason when Chromium is missing)
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run

## Production-style processes (need DATABASE_URL and CELERY_BROKER_URL)
## Two queues (config/settings/base.py): the default one ($(CELERY_QUEUE)) for short tasks, and
## $(CELERY_QUEUE)-jobs for imports and exports. `make worker` serves both; on more machines run
## `make worker-jobs` where the long jobs should go, and `make worker QUEUES=$(CELERY_QUEUE)` elsewhere.
CELERY_QUEUE ?= crm
QUEUES ?= $(CELERY_QUEUE),$(CELERY_QUEUE)-jobs
web: $(STAMP)
	$(BIN)/gunicorn -c config/gunicorn.py config.wsgi

worker: $(STAMP)
	CELERY_QUEUE=$(CELERY_QUEUE) $(BIN)/celery -A config worker -Q $(QUEUES) --loglevel=INFO --concurrency=2

worker-jobs: $(STAMP)
	CELERY_QUEUE=$(CELERY_QUEUE) $(BIN)/celery -A config worker -Q $(CELERY_QUEUE)-jobs -n jobs@%h --loglevel=INFO --concurrency=2

beat: $(STAMP)
	$(BIN)/celery -A config beat --loglevel=INFO

clean:
	rm -rf $(VENV) $(BENCH_VENV) db.sqlite3 db.sqlite3-* media staticfiles test-artifacts .pytest_cache

## make bench-list: seed 1,000,000 contacts into PostgreSQL `crm_bench` (once) and time the list page
bench-list: $(STAMP)
	$(BIN)/python bench/bench_list.py

## make bench-api: the API's contact list at 1,000,000 contacts (PostgreSQL `crm_bench`), 200 per page, next to the web list
bench-api: $(STAMP)
	$(BIN)/python bench/bench_api.py

## make bench-vcard: 10,000 contacts exported as .vcf and .zip and imported from .vcf, against a vobject loop
bench-vcard: $(STAMP)
	$(BIN)/python bench/bench_vcard.py

## make bench-import: a 100,000-row template file imported into PostgreSQL `crm_bench_import`, against
## django-import-export (installed here only, not a project dependency) and the calamine + COPY floor
bench-import: $(STAMP)
	$(BIN)/pip install --quiet django-import-export==4.4.3
	$(BIN)/python bench/bench_import.py $(BENCH_ARGS)

## make bench-load: 50 locust users on the production stack (gunicorn, 2 Celery workers, PostgreSQL
## `crm_bench`, Redis) for 2 minutes alone, then 2 minutes while a 100k-row import and a 10k-card
## ZIP export run. locust lives in its own venv (bench/requirements.txt), not in the app's.
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed: bench/requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) is required"; exit 1; }
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements.txt
	@touch $@

bench-load: $(STAMP) $(BENCH_VENV)/.installed
	$(BIN)/python bench/bench_load.py --locust $(BENCH_VENV)/bin/locust $(BENCH_ARGS)

## make bench-duplicates: the duplicate finder over the 1,000,000 contacts of `crm_bench`, against a pairwise self-join
bench-duplicates: $(STAMP)
	$(BIN)/python bench/bench_duplicates.py $(BENCH_ARGS)
