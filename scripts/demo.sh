#!/usr/bin/env bash
# Installs the portal, loads generated sample data into the embedded default (SQLite database +
# embedded search index under instance/) and serves it on http://127.0.0.1:${PORT:-8000}/.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
if [ ! -f instance/search.sqlite3 ]; then
  .venv/bin/python -m indexer sample --out instance/sample --subjects "${SUBJECTS:-5000}" --seed 1
  .venv/bin/python -m indexer ingest instance/sample --report instance/sample-report.json
else
  # An instance from an earlier version: bring the database and the index up to date (migrations,
  # the current masking and document shape), switching at once.
  .venv/bin/python -m indexer reindex
fi
exec .venv/bin/gunicorn -c gunicorn.conf.py wsgi:app   # PORT and WORKERS are read there
