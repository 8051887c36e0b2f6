#!/usr/bin/env bash
# The README quick start: start the local sandbox, set up workload identity federation for its self-hosted
# cluster non-interactively (`wif init --yes`), prove it with `wif verify`, then stop the sandbox.
# Needs a built checkout (npm ci && npm run build) and kubectl on PATH. Files stay in tmp/quickstart/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
wif() { node "$root/bin/wif.js" "$@"; }

if [ ! -f "$root/dist/src/main.js" ]; then
  echo "wif is not built yet: run npm ci && npm run build first" >&2
  exit 2
fi

work="$root/tmp/quickstart"
rm -rf "$work"
mkdir -p "$work"
wif sandbox start --state-dir "$work/sandbox" >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
stop_sandbox() {
  kill "$sandbox_pid" 2>/dev/null || true
  wait "$sandbox_pid" 2>/dev/null || true
}
trap stop_sandbox EXIT

for _ in $(seq 1 200); do
  [ -f "$work/sandbox/env" ] && break
  kill -0 "$sandbox_pid" 2>/dev/null || { cat "$work/sandbox.log" >&2; exit 1; }
  sleep 0.1
done
[ -f "$work/sandbox/env" ] || { echo "the sandbox did not start in 20 s:" >&2; cat "$work/sandbox.log" >&2; exit 1; }

# shellcheck disable=SC1091
. "$work/sandbox/env"
export CI=1
cd "$work"
echo "== wif init --yes (sandbox project $WIF_SANDBOX_PROJECT, context self-hosted)"
wif init --yes --context self-hosted --ksa demo/app --role roles/storage.objectViewer --apply-manifests --no-verify
echo
echo "== wif verify"
wif verify --pod wif-verify
echo
echo "Done. wif.yaml and the rendered files are in $work; the sandbox has been stopped."
