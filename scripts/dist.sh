#!/usr/bin/env bash
# scripts/dist.sh OUTDIR: the release tarball, its checksum and its krew manifest.
#
#   OUTDIR/kbundle-<version>-<arch>-linux.tar.gz   bin/{kbundle,kbundle-collect,kubectl-kbundle},
#                                                  completions/, man/man1/, docs/, README.md,
#                                                  LICENSE, THIRD-PARTY-LICENSES.txt
#   OUTDIR/SHA256SUMS                              every tarball in OUTDIR
#   OUTDIR/kbundle.yaml                            krew plugin manifest (private index)
#
# The binaries are built with zig as the C compiler and linker against glibc 2.17's symbols
# (`cargo zigbuild --target <triple>.2.17`), so they start on every glibc from CentOS 7 on.
# Needs: `pip install ziglang cargo-zigbuild`, python3, tar, gzip, sha256sum.
#
# Settings (environment):
#   KBUNDLE_DIST_ARCH     x86_64 (default) or aarch64; aarch64 needs `rustup target add
#                         aarch64-unknown-linux-gnu` (docs/performance.md, "Release builds")
#   KBUNDLE_DIST_PROFILE  the cargo profile [default: dist, fat LTO, what ships; CI builds
#                         ci-dist, the same at opt-level 1: Cargo.toml says why]
#   KBUNDLE_DIST_URL      where the tarballs will be downloaded from, for the krew manifest
#                         [default: <repository>/releases/download/v<version>]
#   SOURCE_DATE_EPOCH     the files' time in the tarball [default: the last commit's]
set -euo pipefail

if [ $# -ne 1 ] || [ "${1:0:1}" = - ]; then
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
mkdir -p "$1"
out=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
root=$(pwd)

arch=${KBUNDLE_DIST_ARCH:-x86_64}
profile=${KBUNDLE_DIST_PROFILE:-dist}
glibc=2.17
triple=$arch-unknown-linux-gnu
case $arch in
    x86_64 | aarch64) ;;
    *) echo "dist.sh: KBUNDLE_DIST_ARCH=$arch: x86_64 or aarch64" >&2; exit 2 ;;
esac
# pip may put cargo-zigbuild where PATH does not look (a --user install, a venv not activated).
PATH=$PATH:$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null || true)
if ! command -v cargo-zigbuild >/dev/null || ! python3 -c 'import ziglang' 2>/dev/null; then
    echo "dist.sh: needs zig and cargo-zigbuild: pip install ziglang cargo-zigbuild" >&2
    exit 2
fi

pkgid=$(cargo pkgid --locked -p kbundle)
version=${pkgid##*[#@]}
name=kbundle-$version-$arch-linux
bins=(kbundle kbundle-collect kubectl-kbundle)

echo "dist.sh: building $name ($profile profile, $triple.$glibc)" >&2
started=$SECONDS
cargo zigbuild --locked --profile "$profile" --target "$triple.$glibc" \
    -p kbundle -p kbundle-collector -p kubectl-kbundle --bins
echo "dist.sh: built in $((SECONDS - started)) s" >&2
# cargo's directory for a profile: `dev` builds into debug/, every other into its own name.
built=$root/target/$triple/$profile

stage_root=$(mktemp -d)
trap 'rm -rf "$stage_root"' EXIT
stage=$stage_root/$name
mkdir -p "$stage/bin" "$stage/completions" "$stage/man/man1" "$stage/docs"
for b in "${bins[@]}"; do
    cp "$built/$b" "$stage/bin/$b"
done

# Completions and man pages come from the binaries themselves (their clap definitions), so
# they match the flags of exactly what ships. A cross build cannot run here: its pages come
# from a native build of the same source.
gen=$stage/bin
if [ "$arch" != "$(uname -m)" ]; then
    cargo build --locked --release -p kbundle -p kbundle-collector -p kubectl-kbundle --bins
    gen=$root/target/release
fi
for shell in bash zsh fish; do
    case $shell in
        bash) kb=kbundle.bash; kc=kbundle-collect.bash ;;
        zsh) kb=_kbundle; kc=_kbundle-collect ;;
        fish) kb=kbundle.fish; kc=kbundle-collect.fish ;;
    esac
    "$gen/kbundle" completions "$shell" >"$stage/completions/$kb"
    "$gen/kbundle-collect" --completions "$shell" >"$stage/completions/$kc"
done
"$gen/kbundle" man --out-dir "$stage/man/man1"
"$gen/kbundle-collect" --man >"$stage/man/man1/kbundle-collect.1"
"$gen/kubectl-kbundle" --man >"$stage/man/man1/kubectl-kbundle.1"

cp README.md LICENSE "$stage/"
cp docs/*.md "$stage/docs/"
python3 scripts/third-party-licenses.py "$triple" kbundle kbundle-collector kubectl-kbundle \
    >"$stage/THIRD-PARTY-LICENSES.txt"

# The same source gives the same tarball: fixed order, owner and time, no gzip time stamp.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
tarball=$name.tar.gz
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
    --mode='u+rwX,go+rX,go-w' -C "$stage_root" -cf - "$name" | gzip -9n >"$out/$tarball"

cd "$out"
# Every tarball here, so an x86_64 and an aarch64 run into one OUTDIR share the files.
shopt -s nullglob
tarballs=(kbundle-"$version"-*-linux.tar.gz)
sha256sum "${tarballs[@]}" >SHA256SUMS

url=${KBUNDLE_DIST_URL:-$(sed -n 's/^repository = "\(.*\)"/\1/p' "$root/Cargo.toml")/releases/download/v$version}
{
    cat <<EOF
# krew plugin manifest for a private index: put it in the index repository as
# plugins/kbundle.yaml; users then run
#   kubectl krew index add <name> <index git URL> && kubectl krew install <name>/kbundle
# Generated by scripts/dist.sh; the uri assumes the tarballs are published at $url.
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: kbundle
spec:
  version: v$version
  homepage: $(sed -n 's/^repository = "\(.*\)"/\1/p' "$root/Cargo.toml")
  shortDescription: Collect and analyze Kubernetes support bundles
  description: |
    kubectl kbundle collect gathers the cluster's objects, logs and events (and the node's
    state when run on a node) into one redacted archive, read-only and in bounded time.
    kubectl kbundle analyze reads such a bundle offline and says what is broken, where,
    since when and why, with evidence.
  caveats: |
    The man pages and shell completions are in the plugin's directory:
    ~/.krew/store/kbundle/v$version/{man,completions}.
  platforms:
EOF
    for t in "${tarballs[@]}"; do
        a=${t#kbundle-"$version"-}
        a=${a%-linux.tar.gz}
        case $a in x86_64) ka=amd64 ;; aarch64) ka=arm64 ;; *) continue ;; esac
        cat <<EOF
  - selector:
      matchLabels:
        os: linux
        arch: $ka
    uri: $url/$t
    sha256: $(sha256sum "$t" | cut -d' ' -f1)
    bin: $(basename "$t" .tar.gz)/bin/kubectl-kbundle
EOF
    done
} >kbundle.yaml
[ -n "${KBUNDLE_DIST_URL:-}" ] || echo "dist.sh: kbundle.yaml: set KBUNDLE_DIST_URL to where the tarballs will be published" >&2

ls -l "$tarball" >&2
for b in "${bins[@]}"; do
    printf 'dist.sh: %-16s %9d bytes\n' "$b" "$(stat -c %s "$stage/bin/$b")" >&2
done
echo "$out/$tarball"
