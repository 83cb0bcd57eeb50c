#!/usr/bin/env bash
# Installs everything ogi needs on a fresh Debian machine: system packages (LibreOffice for
# DOC/WPS and fixture rendering, CJK fonts, poppler, PostgreSQL for the DuckLake catalog of
# sharded runs and its tests), uv, and the locked Python environment in .venv/. Safe to run
# again: each step is skipped when already done. This script starts no PostgreSQL server: the
# tests start their own throwaway one (tests/pgserver.py), operators point OGI_LAKE_URL at theirs.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk fonts-wqy-zenhei poppler-utils postgresql"
if command -v apt-get >/dev/null 2>&1 && [ "${OGI_SKIP_APT:-0}" != "1" ]; then
  missing=""
  for p in $APT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
    echo "setup: installing Debian packages:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

UV_VERSION=0.13.8
if ! command -v uv >/dev/null 2>&1 || [ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  echo "setup: installing uv $UV_VERSION"
  python3 -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
fi
echo "setup: syncing .venv from uv.lock"
export UV_PYTHON_DOWNLOADS=never
# Bytecode is compiled once here: this machine family sets PYTHONDONTWRITEBYTECODE, so without
# .pyc files every process (flow, Scrapy crawl, parser workers, Prefect server and workers) would
# compile ~2,000 modules again at start (measured: `import prefect, scrapy, duckdb, flows.nightly`
# 3.5 s without them, 1.4 s with them). Python still recompiles any source newer than its .pyc.
uv sync --frozen --all-extras --quiet --compile-bytecode
.venv/bin/python -m compileall -q -j 0 ogi flows parsers crawlers warehouse tests bench scripts >/dev/null
