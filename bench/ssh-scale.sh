#!/usr/bin/env bash
# bench/ssh-scale.sh [NODES...]: `kbundle-collect --ssh` against NODES real OpenSSH servers on
# 127.0.0.1 (default: 100), each a healthy node with its own fake root, in release mode;
# prints wall time and the collector's peak RSS per run. Needs openssh-server and root (sshd).
# docs/performance.md ("Every node over SSH") has the figures and the method.
#
# Settings (environment): KBUNDLE_SCALE_JOBS (default 16), the collector's --jobs.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- 100
for n in "$@"; do
    KBUNDLE_SCALE_SSH_NODES=$n cargo test --release -q -p kbundle-collector --test fanout_ssh \
        scale_many_ssh_nodes -- --ignored --nocapture 2>&1 | grep -E "SSH nodes, --jobs|panicked|FAILED"
done
