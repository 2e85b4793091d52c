.PHONY: run test lint messages screenshots

# Start Hygie on SQLite with demo data: http://127.0.0.1:8000
run:
	scripts/run.sh

# Every check and test, on SQLite and PostgreSQL.
test:
	scripts/test.sh

lint:
	scripts/bootstrap.sh dev
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

# Extract new strings into the .po files, then compile them (needs GNU gettext's xgettext).
messages:
	scripts/bootstrap.sh dev
	cd src/hygie && HYGIE_VAR_DIR=../../var ../../.venv/bin/hygie manage makemessages -l fr -l en --no-obsolete --no-location
	.venv/bin/python scripts/compile_messages.py
