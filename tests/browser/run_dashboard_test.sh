#!/usr/bin/env bash
# CTest `browser.dashboard`: builds a small vault with the CLI (generate,
# ingest, two partners, three members, grants, admin/auditor/member
# tokens), starts `custody serve` on 127.0.0.1 port 0, serves a few tasks
# with curl, then drives headless Chromium through the dashboard
# (check_dashboard.mjs). Skipped (exit 77, reason printed) when chromium,
# node, curl or playwright-core is missing or cannot be installed.
# Usage: run_dashboard_test.sh CUSTODY_BINARY [SCREENSHOT_DIR]
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
custody="$1"
shots="${2:-}"
chromium="${CUSTODY_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  echo "SKIPPED: no Chromium at $chromium (Debian package chromium; scripts/install-deps)"
  exit 77
fi
for tool in node curl; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIPPED: $tool is not installed (scripts/install-deps)"
    exit 77
  fi
done
if ! "$here/setup.sh"; then
  echo "SKIPPED: playwright-core could not be installed (tests/browser/setup.sh: npm ci; offline?)"
  exit 77
fi
out="$(mktemp -d)"
server=0
cleanup() {
  if [ "$server" -gt 0 ]; then kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; fi
  rm -rf "$out"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$out/serve.err" ] && tail -n 20 "$out/serve.err"; exit 1; }
if [ -n "$shots" ]; then shots="$(mkdir -p "$shots" && cd "$shots" && pwd)"; fi
c() { "$custody" --vault "$out/vault" --key-file "$out/master.key" "$@"; }
json() { c --json "$@" 2>>"$out/cli.err" || fail "custody $* (see below)"; }
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }

c init "$out/vault" >/dev/null 2>"$out/cli.err" || fail "custody init: $(cat "$out/cli.err")"
c generate --records 300 --seed 7 --out "$out/c.jsonl" >/dev/null 2>>"$out/cli.err" || fail "custody generate"
json ingest --dataset prompts "$out/c.jsonl" >/dev/null
json partner add acme-labs >/dev/null
json partner add beta-works >/dev/null
for m in alice:acme-labs bob:acme-labs carol:beta-works; do
  json member add --partner "${m#*:}" --name "${m%%:*}" --email "${m%%:*}@example.org" --generate-key \
    --key-out "$out/${m%%:*}.key" >/dev/null
done
json grant add --partner acme-labs --dataset prompts --expires 2099-01-01 --purpose labeling >/dev/null
json grant add --partner beta-works --dataset prompts --expires 2099-01-01 --purpose labeling >/dev/null
# An incident: a file released to bob, found "leaked", traced back to him.
json release --grant 1 --member bob --out "$out/bob.jsonl" >/dev/null
json trace "$out/bob.jsonl" --out "$out/trace.json" >/dev/null
json incident open --from-trace "$out/trace.json" --title "forum dump" >/dev/null
json incident note 1 "partner notified by phone" >/dev/null
admin="$(json token issue --role admin | field token)"
auditor="$(json token issue --role auditor | field token)"
alice="$(json token issue --member alice | field token)"
carol="$(json token issue --member carol | field token)"

"$custody" --vault "$out/vault" --key-file "$out/master.key" serve --listen 127.0.0.1:0 \
  --access-log "$out/access.log" >"$out/serve.out" 2>"$out/serve.err" &
server=$!
# The first line says where it listens ("... listening on http://127.0.0.1:PORT").
for _ in $(seq 1 600); do
  grep -q listening "$out/serve.out" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || fail "custody serve exited"
  sleep 0.1
done
url="$(grep -o 'http://127.0.0.1:[0-9]*' "$out/serve.out" | head -n 1)"
[ -n "$url" ] || fail "custody serve did not say where it listens"

# Tasks served before the browser opens: 3 to alice, 2 to carol.
task() {
  local code
  code="$(curl -s -o "$out/task.json" -w '%{http_code}' -X POST --data "" -H "Authorization: Bearer $1" "$url/v1/tasks/next")"
  [ "$code" = 200 ] || fail "POST /v1/tasks/next answered $code: $(cat "$out/task.json")"
}
for _ in 1 2 3; do task "$alice"; done
for _ in 1 2; do task "$carol"; done

args=(--url "$url" --partner acme-labs --member alice --tasks 5 --out-dir "$out")
if [ -n "$shots" ]; then args+=(--screenshot "$shots"); fi
# Tokens reach the checker through its environment, not its command line.
ADMIN_TOKEN="$admin" AUDITOR_TOKEN="$auditor" MEMBER_TOKEN="$alice" node "$here/check_dashboard.mjs" "${args[@]}"
