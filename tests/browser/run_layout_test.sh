#!/usr/bin/env bash
# CTest `browser.layout`: runs a small `custody demo` (trace, partner, risk
# and incident reports, all HTML) and checks each page's layout at 1280 px in
# headless Chromium (check_layout.mjs). Skipped (exit 77, reason printed)
# when chromium, node or playwright-core is missing or cannot be installed.
# Usage: run_layout_test.sh CUSTODY_BINARY [SCREENSHOT_DIR]
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
custody="$1"
shots="${2:-}"
chromium="${CUSTODY_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  echo "SKIPPED: no Chromium at $chromium (Debian package chromium; scripts/install-deps)"
  exit 77
fi
if ! command -v node >/dev/null; then
  echo "SKIPPED: node is not installed (Debian package npm; scripts/install-deps)"
  exit 77
fi
if ! "$here/setup.sh"; then
  echo "SKIPPED: playwright-core could not be installed (tests/browser/setup.sh: npm ci; offline?)"
  exit 77
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
records="${CUSTODY_DEMO_RECORDS:-1200}"
if [ -n "$shots" ]; then records=6000; fi
custody="$(cd "$(dirname "$custody")" && pwd)/$(basename "$custody")"
if [ -n "$shots" ]; then shots="$(mkdir -p "$shots" && cd "$shots" && pwd)"; fi
# A relative --out, so the pages (and screenshots) name no path of this machine.
if ! (cd "$out" && "$custody" demo --out demo --records "$records") > "$out/demo.log" 2>&1; then
  cat "$out/demo.log"
  echo "FAIL: custody demo failed"
  exit 1
fi
incident="$(ls "$out"/demo/incident-*.html 2>/dev/null | head -n 1)"
partner="$(ls "$out"/demo/partner-*.html 2>/dev/null | head -n 1)"
args=(incident="$incident" trace="$out/demo/trace1.html" partner="$partner" risk="$out/demo/risk.html")
if [ -n "$shots" ]; then
  mkdir -p "$shots"
  args=(--screenshot "$shots" "${args[@]}")
fi
node "$here/check_layout.mjs" "${args[@]}"
