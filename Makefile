# One command to run, one to test. Both set everything up on a fresh clone.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export BEIAN_DATABASE_URL ?= sqlite:///beian.db

.PHONY: run test lint bench clean postgres system

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/beian db upgrade
	$(BIN)/beian run --demo-accounts

postgres:
	@scripts/ensure-postgres

# Debian's Chromium and a CJK font, for the browser tests and the rendered test documents.
system:
	@scripts/ensure-browser

test: $(STAMP) postgres system
	$(BIN)/ruff check beian tests bench
	$(BIN)/mypy beian
	BEIAN_TEST_POSTGRES_URL=$${BEIAN_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres} \
		$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check beian tests bench
	$(BIN)/mypy beian

bench: $(STAMP) postgres
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) beian.db beian.db-wal beian.db-shm
