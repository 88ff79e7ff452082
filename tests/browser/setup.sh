#!/usr/bin/env bash
# Installs the pinned playwright-core (package-lock.json) into
# tests/browser/node_modules with `npm ci`, if it is not there yet. It never
# downloads a browser: the checks drive the system's Chromium
# (/usr/bin/chromium, Debian package `chromium`, from scripts/install-deps).
# Exit 0 when playwright-core is ready; 1 when it cannot be installed
# (npm missing or the registry unreachable).
set -euo pipefail
cd "$(dirname "$0")"
if [ -f node_modules/playwright-core/package.json ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "browser setup: npm is not installed (scripts/install-deps installs it)" >&2
  exit 1
fi
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund >&2
