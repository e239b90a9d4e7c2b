#!/usr/bin/env bash
# Installs the portal, loads generated sample data into the embedded default (SQLite database +
# embedded search index under instance/) and serves it on http://127.0.0.1:${PORT:-8000}/.
# Unless CREDIT_OIDC_ISSUER names another provider, it also runs the development OpenID Connect
# provider (idp/, needs Node.js) on http://127.0.0.1:${DEV_IDP_PORT:-9400}/, whose test identities
# log in to the portal (/login); the provider stops with the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
# Credit reports (PDF) need Pango for WeasyPrint and a CJK font to embed: installed as root.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=""
  ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0" || need="$need libpango-1.0-0 libpangoft2-1.0-0"
  fc-list 2>/dev/null | grep -qi "wqy" || need="$need fonts-wqy-zenhei"
  if [ -n "$need" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  fi
fi
python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
if [ ! -f instance/credit.sqlite3 ]; then
  .venv/bin/python -m indexer sample --out instance/sample --subjects "${SUBJECTS:-5000}" --seed 1
  .venv/bin/python -m indexer ingest instance/sample --report instance/sample-report.json
else
  # An existing instance, perhaps from an earlier version: bring the database and the search index
  # up to date (migrations, the current engine, masking and document shape), switching at once.
  .venv/bin/python -m indexer reindex
fi

if [ -z "${CREDIT_OIDC_ISSUER:-}" ]; then
  if command -v node >/dev/null && command -v npm >/dev/null; then
    [ -d idp/node_modules/oidc-provider ] || npm ci --prefix idp --no-audit --no-fund --loglevel=error >/dev/null
    port="${PORT:-8000}" idp_port="${DEV_IDP_PORT:-9400}"
    export CREDIT_OIDC_ISSUER="http://127.0.0.1:$idp_port" CREDIT_OIDC_CLIENT_ID=credit-portal
    export CREDIT_OIDC_CLIENT_SECRET="${DEV_IDP_CLIENT_SECRET:-dev-secret}"
    DEV_IDP_PORT="$idp_port" DEV_IDP_ISSUER="$CREDIT_OIDC_ISSUER" DEV_IDP_CLIENT_ID="$CREDIT_OIDC_CLIENT_ID" \
      DEV_IDP_CLIENT_SECRET="$CREDIT_OIDC_CLIENT_SECRET" DEV_IDP_KEYS="${DEV_IDP_KEYS:-instance/dev-idp-keys.json}" \
      DEV_IDP_REDIRECT_URIS="http://127.0.0.1:$port/login/callback,http://localhost:$port/login/callback" \
      DEV_IDP_POST_LOGOUT_URIS="http://127.0.0.1:$port/,http://localhost:$port/" \
      node idp/dev-idp.mjs &
    .venv/bin/python -m indexer staff add-demo >/dev/null   # its staff identities open /admin
    idp_pid=$!
    trap 'kill "$idp_pid" 2>/dev/null' EXIT
    trap 'exit 130' INT TERM
  else
    echo "Node.js and npm are not installed (apt-get install nodejs npm): no development login." >&2
  fi
fi
.venv/bin/gunicorn -c gunicorn.conf.py wsgi:app   # PORT and WORKERS are read there
