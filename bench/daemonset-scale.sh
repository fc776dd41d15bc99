#!/usr/bin/env bash
# bench/daemonset-scale.sh [NODES...]: `kbundle-collect --daemonset` against the scripted API
# double (collector/tests/apidouble) with NODES nodes (default: 1000), each sending its own
# result through pods/exec, in release mode; prints wall time and the collector's peak RSS per
# run. docs/performance.md ("Every node through the DaemonSet") has the figures and the method.
#
# Settings (environment): KBUNDLE_SCALE_JOBS (default 16), the collector's --jobs.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- 1000
for n in "$@"; do
    KBUNDLE_SCALE_NODES=$n cargo test --release -q -p kbundle-collector --test fanout_daemonset \
        scale_many_nodes_through_the_double -- --ignored --nocapture 2>&1 | grep -E "nodes, --jobs|panicked|FAILED"
done
