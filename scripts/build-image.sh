#!/usr/bin/env bash
# scripts/build-image.sh DISTDIR [OUTDIR]: the agent image of `kbundle-collect --daemonset`.
#
#   OUTDIR/kbundle-collect-<version>-<arch>.oci.tar   an OCI image (layout archive) holding
#                                                     the kbundle-collect of DISTDIR's tarball
#
# DISTDIR is what scripts/dist.sh wrote: the image ships exactly the released binary. OUTDIR
# defaults to DISTDIR. No container engine or daemon is needed: umoci writes the image and
# skopeo pushes it, e.g.
#
#   skopeo copy oci-archive:OUTDIR/kbundle-collect-0.1.0-x86_64.oci.tar \
#       docker://registry.example/kbundle/kbundle-collect:0.1.0
#
# then `kbundle-collect --daemonset --image registry.example/kbundle/kbundle-collect:0.1.0`.
#
# What is in it, and why (docs/collector.md, "The agent image"):
#   /usr/local/bin/kbundle-collect   the agent (--agent, --agent-ready, --agent-fetch)
#   /usr/local/bin/chroot            a link to it: the node part runs the host's own commands
#                                    through `chroot /host ...`, so the image needs no coreutils
#   /lib*/..., /usr/lib/...          the glibc and libgcc it links, copied from this machine
#                                    (the binary needs glibc 2.17 or later, these are newer)
#   /usr/share/doc/<package>/copyright   their licences
#   /kbundle/out                     the result directory (an emptyDir is mounted there)
# Nothing else: no shell, no package manager.
#
# Needs: umoci, tar, ldd (libc-bin), dpkg (to name the libraries' packages).
# Settings (environment):
#   KBUNDLE_DIST_ARCH   x86_64 (default) or aarch64: which tarball of DISTDIR
#   SOURCE_DATE_EPOCH   the image's creation time [default: the last commit's]
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ "${1:0:1}" = - ]; then
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
dist=$(cd "$1" && pwd)
mkdir -p "${2:-$1}"
out=$(cd "${2:-$1}" && pwd)
cd "$(dirname "$0")/.."

arch=${KBUNDLE_DIST_ARCH:-x86_64}
case $arch in
    x86_64) oci_arch=amd64 ;;
    aarch64) oci_arch=arm64 ;;
    *) echo "build-image.sh: KBUNDLE_DIST_ARCH=$arch: x86_64 or aarch64" >&2; exit 2 ;;
esac
for tool in umoci tar ldd dpkg; do
    command -v "$tool" >/dev/null || { echo "build-image.sh: needs $tool (apt-get install umoci libc-bin dpkg tar)" >&2; exit 2; }
done
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
tarball=$dist/kbundle-$version-$arch-linux.tar.gz
[ -f "$tarball" ] || { echo "build-image.sh: $tarball not found: run scripts/dist.sh $1 first" >&2; exit 2; }
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work" --wildcards '*/bin/kbundle-collect'
binary=$(find "$work" -path '*/bin/kbundle-collect' -type f | head -1)

root=$work/rootfs
install -D -m 0755 "$binary" "$root/usr/local/bin/kbundle-collect"
ln -s kbundle-collect "$root/usr/local/bin/chroot"
install -d -m 0755 "$root/kbundle/out" "$root/tmp"
chmod 1777 "$root/tmp"

# The shared libraries the binary loads, at the paths the loader looks for them, and the
# loader itself; only an ldd of a binary of this machine's architecture can say which.
if [ "$(uname -m)" != "$arch" ]; then
    echo "build-image.sh: an $arch image must be built on $arch (ldd names its libraries)" >&2
    exit 2
fi
libs=$(ldd "$binary" | awk '/=> \// {print $3} /^[ \t]*\// {print $1}' | sort -u)
[ -n "$libs" ] || { echo "build-image.sh: ldd found no libraries for $binary" >&2; exit 1; }
packages=()
for lib in $libs; do
    install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
    real=$(readlink -f "$lib")
    pkg=$(dpkg -S "$lib" "$real" 2>/dev/null | head -1 | cut -d: -f1) || true
    [ -n "$pkg" ] && packages+=("$pkg")
done
for pkg in $(printf '%s\n' "${packages[@]}" | sort -u); do
    if [ -f "/usr/share/doc/$pkg/copyright" ]; then
        install -D -m 0644 "/usr/share/doc/$pkg/copyright" "$root/usr/share/doc/$pkg/copyright"
    fi
done
# The loader at the path the binary names (/lib64/ld-linux-x86-64.so.2 on x86_64): ldd
# printed it above as a path of its own, so it is already in place.

layout=$work/oci
tag=$version
umoci init --layout "$layout"
umoci new --image "$layout:$tag"
rootless=()
[ "$(id -u)" = 0 ] || rootless=(--rootless)
umoci unpack "${rootless[@]}" --image "$layout:$tag" "$work/bundle" >/dev/null
rm -rf "$work/bundle/rootfs"
mv "$root" "$work/bundle/rootfs"
find "$work/bundle/rootfs" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
umoci repack --image "$layout:$tag" --history.created "$created" \
    --history.comment "kbundle-collect $version agent" "$work/bundle"
umoci config --image "$layout:$tag" --created "$created" --history.created "$created" \
    --os linux --architecture "$oci_arch" \
    --config.entrypoint /usr/local/bin/kbundle-collect \
    --config.env PATH=/usr/local/bin:/usr/bin:/bin \
    --config.workingdir / \
    --config.label "org.opencontainers.image.title=kbundle-collect" \
    --config.label "org.opencontainers.image.version=$version" \
    --config.label "org.opencontainers.image.description=The node agent of kbundle-collect --daemonset" \
    --config.label "org.opencontainers.image.licenses=Apache-2.0"
umoci gc --layout "$layout"

image=$out/kbundle-collect-$version-$arch.oci.tar
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    -C "$layout" -cf "$image" .
echo "$image"
