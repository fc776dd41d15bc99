#!/usr/bin/env bash
# scripts/check-portable.sh: keeps `kbundle` (the support engineer's side: analyzer, reader,
# serve, the plugin) buildable for macOS and Windows workstations. This machine has no standard
# library for those targets, so instead of `cargo check --target`, two things that can be
# checked here: their dependency graphs resolve for those targets without the Linux-only
# collector, and no Unix- or Linux-only API is used in these crates outside a #[cfg(...)] gate
# (within the three lines above it). The collector (collector/) is Linux-only by design.
set -euo pipefail
cd "$(dirname "$0")/.."
failures=0

for target in x86_64-pc-windows-msvc aarch64-apple-darwin x86_64-apple-darwin; do
    tree=$(cargo tree --locked -q -p kbundle -p kubectl-kbundle --target "$target" -e normal --prefix none)
    for linux_only in kbundle-collector signal-hook; do
        if grep -q "^$linux_only " <<<"$tree"; then
            echo "check-portable: FAIL: kbundle for $target depends on $linux_only" >&2
            failures=$((failures + 1))
        fi
    done
done

ungated=$(find analyzer/src read/src kube/src format/src serve/src cli/src plugin/src -name '*.rs' -print0 |
    xargs -0 awk '
        FNR == 1 { p1 = p2 = p3 = "" }
        /std::os::(unix|linux)|libc::|signal_hook|tokio::signal::unix|\/proc\/self/ &&
            !/^[[:space:]]*\/\// && (p1 p2 p3 $0) !~ /cfg\(/ { print FILENAME ":" FNR ": " $0 }
        { p3 = p2; p2 = p1; p1 = $0 }')
if [ -n "$ungated" ]; then
    echo "check-portable: FAIL: Unix- or Linux-only API outside a cfg gate:" >&2
    echo "$ungated" >&2
    failures=$((failures + 1))
fi

[ "$failures" -eq 0 ] || exit 1
echo "check-portable: ok: kbundle and kubectl-kbundle resolve for Windows and macOS without the collector; no ungated Unix-only API"
