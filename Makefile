PY := .venv/bin
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

.PHONY: install lint typecheck test test-pg bench ci

install:
	python3 -m venv .venv && $(PY)/pip install -e '.[dev]'

lint:
	$(PY)/ruff check src tests benchmarks && $(PY)/ruff format --check src tests benchmarks

typecheck:
	$(PY)/mypy

test:
	$(PY)/pytest

test-pg:
	ORDERDESK_TEST_DATABASE_URL=$(PG_URL) ORDERDESK_TEST_REDIS_URL=redis://127.0.0.1:6379/15 $(PY)/pytest

bench:
	$(PY)/python benchmarks/api.py

ci:
	.ci/run
