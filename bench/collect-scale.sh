#!/usr/bin/env bash
# The collector's API part at scale (issue 6): a generated cluster of 5,000 nodes, 150,000
# pods (1 % failing) and 500,000 events, served by `kbundle serve` on 127.0.0.1, collected
# with `kbundle-collect --no-host` at the default QPS. Prints the collect time, the API
# requests made and the collector's peak RSS (GNU time). Not a test: numbers go to
# docs/performance.md.
#
#   bench/collect-scale.sh                         # the issue's sizes
#   NODES=500 PODS=15000 EVENTS=50000 bench/collect-scale.sh   # a quick look
#
# Needs /usr/bin/time (Debian: apt-get install time). Work files in $WORK
# (default /tmp/kbundle-collect-scale); the generated bundle is kept and reused.
set -euo pipefail
cd "$(dirname "$0")/.."

NODES=${NODES:-5000}
PODS=${PODS:-150000}
EVENTS=${EVENTS:-500000}
NAMESPACES=${NAMESPACES:-150}
LOG_MB=${LOG_MB:-200}
PORT=${PORT:-18499}
WORK=${WORK:-/tmp/kbundle-collect-scale}
TARGET=${CARGO_TARGET_DIR:-target}/release
mkdir -p "$WORK"

cargo build --release -q -p kbundle-bench --bin gen-bundle
cargo build --release -q -p kbundle -p kbundle-collector --bins

BUNDLE="$WORK/cluster-n$NODES-p$PODS-e$EVENTS.tar.gz"
if [ ! -f "$BUNDLE" ]; then
  "$TARGET/gen-bundle" --nodes "$NODES" --pods "$PODS" --namespaces "$NAMESPACES" \
    --events "$EVENTS" --log-mb "$LOG_MB" --out "$BUNDLE"
fi

"$TARGET/kbundle" serve "$BUNDLE" --port "$PORT" --kubeconfig "$WORK/kubeconfig" >"$WORK/serve.log" 2>&1 &
SERVE=$!
trap 'kill "$SERVE" 2>/dev/null || true' EXIT
for _ in $(seq 1 900); do
  grep -q "^Serving" "$WORK/serve.log" && break
  kill -0 "$SERVE" 2>/dev/null || { cat "$WORK/serve.log"; exit 1; }
  sleep 1
done
grep "indexed" "$WORK/serve.log" || true

rm -f "$WORK/collected.tar.gz"
/usr/bin/time -v "$TARGET/kbundle-collect" --no-host --kubeconfig "$WORK/kubeconfig" \
  -o "$WORK/collected.tar.gz" >/dev/null 2>"$WORK/collect.log" || { cat "$WORK/collect.log"; exit 1; }
grep -E "kbundle-collect: (wrote|cluster|[0-9]+ collectors)|big cluster|Elapsed \(wall|Maximum resident|User time|System time" \
  "$WORK/collect.log"
