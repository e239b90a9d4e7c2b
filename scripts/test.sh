#!/usr/bin/env bash
# Installs what the tests need (system packages when run as root, a virtualenv with the Python
# dependencies) and runs the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=""
  command -v chromium >/dev/null || need="$need chromium"
  fc-list 2>/dev/null | grep -qi "wqy" || need="$need fonts-wqy-zenhei"
  command -v node >/dev/null || need="$need nodejs npm"
  if [ -n "$need" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  fi
fi

python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
exec .venv/bin/python -m pytest -q "$@"
