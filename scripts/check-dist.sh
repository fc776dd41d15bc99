#!/usr/bin/env bash
# scripts/check-dist.sh OUTDIR: checks what scripts/dist.sh wrote into OUTDIR, used as a
# customer would use it: the checksums, the x86_64 tarball's layout, each binary's glibc symbol
# versions (at most GLIBC_2.17), size (at most 20 MB) and --version, kubectl finding the plugin
# on PATH and the plugin collecting (from `kbundle serve`) and analyzing, bash loading the
# completions, man rendering every page, and the krew manifest's checksum.
#
# KBUNDLE_CHECK_OLD_GLIBC=1 also runs the binaries on Debian 11's glibc 2.31 (older than the
# 2.34 the issue's build needed), fetched with apt-get into KBUNDLE_CHECK_CACHE (default
# /tmp/kbundle-check-dist); it says SKIPPED when the package cannot be had.
set -euo pipefail

if [ $# -ne 1 ]; then
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
out=$(cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
max_glibc=2.17
max_bytes=20000000
failures=0
fail() {
    echo "check-dist: FAIL: $*" >&2
    failures=$((failures + 1))
}
ok() { echo "check-dist: ok: $*"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$out" && sha256sum --quiet -c SHA256SUMS) && ok "SHA256SUMS" || fail "SHA256SUMS does not match"

shopt -s nullglob
tarballs=("$out"/kbundle-*-x86_64-linux.tar.gz)
[ ${#tarballs[@]} -eq 1 ] || { fail "expected one x86_64 tarball in $out, found ${#tarballs[@]}"; exit 1; }
tarball=${tarballs[0]}
name=$(basename "$tarball" .tar.gz)
version=${name#kbundle-}
version=${version%-x86_64-linux}
tar -xzf "$tarball" -C "$tmp"
d=$tmp/$name
[ -d "$d" ] || { fail "$name.tar.gz does not hold $name/"; exit 1; }

for f in bin/kbundle bin/kbundle-collect bin/kubectl-kbundle \
    completions/kbundle.bash completions/_kbundle completions/kbundle.fish \
    completions/kbundle-collect.bash completions/_kbundle-collect completions/kbundle-collect.fish \
    man/man1/kbundle.1 man/man1/kbundle-analyze.1 man/man1/kbundle-collect.1 man/man1/kubectl-kbundle.1 \
    README.md LICENSE THIRD-PARTY-LICENSES.txt docs/collector.md; do
    [ -s "$d/$f" ] || fail "$name/$f is missing or empty"
done
ok "layout of $name"

# What each binary may ask of the system: glibc's own libraries, nothing newer than 2.17.
allowed_libs=" libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 libgcc_s.so.1 ld-linux-x86-64.so.2 "
for b in kbundle kbundle-collect kubectl-kbundle; do
    f=$d/bin/$b
    size=$(stat -c %s "$f")
    [ "$size" -le $max_bytes ] || fail "$b is $size bytes, over $max_bytes"
    newest=$(objdump -T "$f" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n1)
    top=$(printf '%s\n%s\n' "$newest" "$max_glibc" | sort -V | tail -n1)
    [ "$top" = "$max_glibc" ] || fail "$b needs GLIBC_$newest (at most GLIBC_$max_glibc)"
    ! objdump -T "$f" | grep -q 'GLIBCXX\|CXXABI' || fail "$b needs libstdc++"
    for lib in $(objdump -p "$f" | awk '/NEEDED/ {print $2}'); do
        [[ $allowed_libs == *" $lib "* ]] || fail "$b needs $lib"
    done
    got=$("$f" --version)
    [ "$got" = "$b $version" ] || fail "$b --version said '$got', not '$b $version'"
    ok "$b: $size bytes, newest symbol GLIBC_$newest, '$got'"
done

# The plugin as a customer runs it: the tarball's bin/ on PATH, the real kubectl.
export PATH="$d/bin:$PATH"
help=$(kubectl kbundle --help) || fail "kubectl kbundle --help failed"
[[ $help == *"kubectl kbundle"*collect*analyze* ]] || fail "kubectl kbundle --help: $help"
kubectl kbundle collect --help | grep -q -- '--host-only' || fail "kubectl kbundle collect --help is not the collector's"
kubectl plugin list 2>/dev/null | grep -q "$d/bin/kubectl-kbundle" || fail "kubectl plugin list does not show the plugin"
ok "kubectl kbundle --help"
# Collect through the plugin from a served bundle (KUBECONFIG set by kbundle serve and passed by
# kubectl to the plugin and on to the collector), then analyze the result through the plugin.
if kbundle serve "$repo/fixtures/broken-cluster.tar.gz" -- \
    kubectl kbundle collect --no-host -q -o "$tmp/collected.tar.gz" >"$tmp/collect.out" 2>"$tmp/collect.err" &&
    kubectl kbundle analyze "$tmp/collected.tar.gz" -q --json "$tmp/analysis.json" &&
    grep -q '"node-not-ready"' "$tmp/analysis.json"; then
    ok "kubectl kbundle collect (from kbundle serve) and kubectl kbundle analyze"
else
    fail "collect and analyze through the plugin: $(tail -n 5 "$tmp/collect.err")"
fi

# Completions: bash loads them; zsh and fish parse them where installed.
if bash -c "source '$d/completions/kbundle.bash' && source '$d/completions/kbundle-collect.bash' &&
    complete -p kbundle && complete -p kbundle-collect" >"$tmp/complete.out"; then
    ok "bash: $(tr '\n' ';' <"$tmp/complete.out")"
else
    fail "bash does not load the completions"
fi
if command -v zsh >/dev/null; then
    zsh -n "$d/completions/_kbundle" && zsh -n "$d/completions/_kbundle-collect" && ok "zsh -n" || fail "zsh -n"
fi
if command -v fish >/dev/null; then
    fish -n "$d/completions/kbundle.fish" && fish -n "$d/completions/kbundle-collect.fish" && ok "fish -n" || fail "fish -n"
fi

# Every man page renders, without groff warnings.
for page in "$d"/man/man1/*.1; do
    text=$(MANWIDTH=80 MANPAGER=cat man --warnings -l "$page" 2>"$tmp/man.err") || fail "man -l $(basename "$page")"
    [[ $text == *NAME*SYNOPSIS*DESCRIPTION* ]] || fail "man -l $(basename "$page"): no NAME, SYNOPSIS, DESCRIPTION"
    [ ! -s "$tmp/man.err" ] || fail "man -l $(basename "$page"): $(head -n 3 "$tmp/man.err")"
done
ok "man -l: $(cd "$d/man/man1" && echo *.1)"

# The krew manifest points at this tarball, by checksum and plugin path.
sum=$(sha256sum "$tarball" | cut -d' ' -f1)
grep -q "sha256: $sum" "$out/kbundle.yaml" || fail "kbundle.yaml does not carry $name.tar.gz's sha256"
grep -q "bin: $name/bin/kubectl-kbundle" "$out/kbundle.yaml" || fail "kbundle.yaml: wrong bin"
grep -q "version: v$version" "$out/kbundle.yaml" || fail "kbundle.yaml: wrong version"
ok "kbundle.yaml"

if [ "${KBUNDLE_CHECK_OLD_GLIBC:-}" = 1 ]; then
    cache=${KBUNDLE_CHECK_CACHE:-/tmp/kbundle-check-dist}
    libc=$cache/bullseye/root/lib/x86_64-linux-gnu
    if [ ! -x "$libc/ld-linux-x86-64.so.2" ]; then
        mkdir -p "$cache/bullseye/lists/partial" "$cache/bullseye/cache/archives/partial"
        echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bullseye main" \
            >"$cache/bullseye/sources.list"
        apt_opts=(-o "Dir::Etc::sourcelist=$cache/bullseye/sources.list" -o Dir::Etc::sourceparts=-
            -o "Dir::State::Lists=$cache/bullseye/lists" -o "Dir::Cache=$cache/bullseye/cache"
            -o Dir::State::status=/dev/null -o APT::Sandbox::User=root)
        (apt-get "${apt_opts[@]}" -qq update && cd "$cache/bullseye" &&
            apt-get "${apt_opts[@]}" -qq download libc6 &&
            dpkg-deb -x libc6_*.deb root) >/dev/null 2>&1 || true
    fi
    if [ -x "$libc/ld-linux-x86-64.so.2" ]; then
        for b in kbundle kbundle-collect kubectl-kbundle; do
            got=$("$libc/ld-linux-x86-64.so.2" --library-path "$libc" "$d/bin/$b" --version) ||
                fail "$b does not start on glibc 2.31"
        done
        "$libc/ld-linux-x86-64.so.2" --library-path "$libc" "$d/bin/kbundle" analyze -q \
            "$repo/fixtures/broken-cluster.tar.gz" --json "$tmp/old.json" || fail "kbundle analyze on glibc 2.31"
        ok "on $(basename "$(readlink -f "$libc/libc.so.6")") (Debian 11): --version of each, kbundle analyze"
    else
        echo "check-dist: SKIPPED: Debian 11's libc6 could not be fetched; the glibc 2.31 run did not happen" >&2
    fi
fi

if [ "$failures" -ne 0 ]; then
    echo "check-dist: $failures check(s) failed" >&2
    exit 1
fi
echo "check-dist: all checks passed for $name"
