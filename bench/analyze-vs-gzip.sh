#!/usr/bin/env bash
# Times `kbundle analyze BUNDLE` against the format's own decompressor (`gzip -dc`, or `xz`,
# `zstd`, `bzip2 -dc` for sosreport-style .tar.xz/.tar.zst/.tar.bz2) on this machine, plus
# the reader alone (`read-bundle`: every member streamed through read_bundle, lines counted)
# and, for gzip, inflating alone (flate2 on one thread, no tar) as baselines.
# Best of $RUNS runs each (default 3), page cache warm. Peak RSS from /usr/bin/time
# (Debian package `time`).
#
#   bench/analyze-vs-gzip.sh BUNDLE.tar.gz|BUNDLE.tar.xz|BUNDLE.tar.zst|BUNDLE.tar.bz2
#
# A bundle to try: cargo run --release -p kbundle-bench --bin gen-bundle -- --log-mb 3500 --out b.tar.gz
set -euo pipefail

bundle=${1:?usage: bench/analyze-vs-gzip.sh BUNDLE.tar.gz}
runs=${RUNS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}/release
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p kbundle -p kbundle-bench

# The baseline is the format's own decompressor: gzip, xz, zstd or bzip2 -dc (by magic bytes).
case $(head -c6 "$bundle" | od -An -tx1 | tr -d ' \n') in
    1f8b*) dec=gzip ;;
    fd377a585a00) dec=xz ;;
    28b52ffd*) dec=zstd ;;
    425a68*) dec=bzip2 ;;
    *) echo "$bundle: not a gzip, xz, zstd or bzip2 file" >&2; exit 2 ;;
esac

# Runs "$@" $runs times; prints "best_wall_seconds cpu_seconds_of_that_run peak_rss_mb" (the
# RSS is the largest seen). CPU time (user + system) is printed too because on a shared
# machine wall time also counts what other processes took.
best_of() {
    local best="" cpu="" rss=0 stats start end elapsed m u s
    stats=$(mktemp)
    for _ in $(seq "$runs"); do
        start=$(date +%s.%N)
        /usr/bin/time -f "%M %U %S" -o "$stats" "$@" >/dev/null
        end=$(date +%s.%N)
        elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
        read -r m u s < <(tail -n1 "$stats")
        if [[ -z $best ]] || awk -v a="$elapsed" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$elapsed
            cpu=$(awk -v a="$u" -v b="$s" 'BEGIN { print a + b }')
        fi
        ((m > rss)) && rss=$m
    done
    rm -f "$stats"
    printf '%.3f %.2f %d\n' "$best" "$cpu" $((rss / 1024))
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { print a / b }'; }

cat "$bundle" >/dev/null # warm the page cache for every contender alike
size_mb=$(($(stat -c %s "$bundle") / 1000000))
echo "bundle: $bundle ($size_mb MB), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), best of $runs"

report() { # name wall cpu rss
    printf "%-28s %8.3f s wall  %8.2f s cpu  %5d MB peak RSS  wall %.2f of $dec -dc\\n" \
        "$1" "$2" "$3" "$4" "$(ratio "$2" "$gzip_s")"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
read -r gzip_s gzip_cpu gzip_rss < <(best_of "$dec" -dc "$bundle")
report "$dec -dc" "$gzip_s" "$gzip_cpu" "$gzip_rss"

if [[ $dec == gzip ]]; then
    read -r inf_s inf_cpu inf_rss < <(best_of "$target/read-bundle" --inflate-only "$bundle")
    report "inflate only (flate2)" "$inf_s" "$inf_cpu" "$inf_rss"
fi

read -r read_s read_cpu read_rss < <(best_of "$target/read-bundle" "$bundle")
report "read-bundle (reader alone)" "$read_s" "$read_cpu" "$read_rss"

if "$target/kbundle" analyze --help >/dev/null 2>&1; then
    read -r an_s an_cpu an_rss < <(best_of "$target/kbundle" analyze "$bundle" --json /dev/null)
    report "kbundle analyze" "$an_s" "$an_cpu" "$an_rss"
    echo "target: kbundle analyze wall <= 0.50 of $dec -dc, peak RSS <= 300 MB"
else
    echo "kbundle analyze: not available in this build yet"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
