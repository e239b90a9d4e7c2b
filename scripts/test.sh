#!/usr/bin/env bash
# Installs what the tests need (as root: Chromium and a CJK font for the browser test and the
# credit reports, Pango and poppler-utils for the reports, PostgreSQL
# for the production-database test, Node.js and npm for the OpenID Connect provider the login tests
# run; a virtualenv with the Python dependencies, including the noida-db Elasticsearch stand-in;
# the provider's npm packages) and runs the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=""
  command -v chromium >/dev/null || need="$need chromium"
  fc-list 2>/dev/null | grep -qi "wqy" || need="$need fonts-wqy-zenhei"
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"
  command -v node >/dev/null || need="$need nodejs"
  command -v npm >/dev/null || need="$need npm"
  command -v redis-server >/dev/null || need="$need redis-server"
  # Credit reports: WeasyPrint lays out with Pango; pdftoppm draws page 1 for the picture check.
  ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0" || need="$need libpango-1.0-0 libpangoft2-1.0-0"
  command -v pdftoppm >/dev/null || need="$need poppler-utils"
  if [ -n "$need" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  fi
fi

python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
if command -v npm >/dev/null; then
  npm ci --prefix idp --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null
fi
exec .venv/bin/python -m pytest -q "$@"
