#!/usr/bin/env bash
# scripts/check-image.sh IMAGE.oci.tar: the agent image works as the DaemonSet uses it.
#
# Unpacks the image with umoci (no daemon), then, as the kubelet would start it but with
# chroot(8) for a container runtime: the entrypoint runs and is the released version; the
# readiness probe says "not ready" in an empty result directory; the `chroot` link runs as
# chroot(8); a real `--agent` run over a fake node mounted at /host writes a finished bundle
# that `--agent-ready` accepts and `--agent-fetch` sends whole. Needs root (chroot), umoci.
set -euo pipefail

if [ $# -ne 1 ]; then
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
image=$(readlink -f "$1")
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
if [ "$(id -u)" != 0 ]; then
    echo "check-image.sh: needs root (chroot into the image)" >&2
    exit 2
fi

work=$(mktemp -d)
cleanup() {
    umount "$work/bundle/rootfs/host" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check-image.sh: $*" >&2; exit 1; }

mkdir "$work/oci"
tar -xf "$image" -C "$work/oci"
umoci unpack --image "$work/oci:$version" "$work/bundle" >/dev/null
rootfs=$work/bundle/rootfs
config=$work/bundle/config.json

entry=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["process"]["args"]))' "$config")
[ "$entry" = /usr/local/bin/kbundle-collect ] || fail "entrypoint is '$entry'"
got=$(chroot "$rootfs" /usr/local/bin/kbundle-collect --version)
[ "$got" = "kbundle-collect $version" ] || fail "--version printed '$got'"

if chroot "$rootfs" /usr/local/bin/kbundle-collect --agent-ready /kbundle/out; then
    fail "--agent-ready says ready with no result"
fi
got=$(chroot "$rootfs" /usr/local/bin/chroot / /usr/local/bin/kbundle-collect --version)
[ "$got" = "kbundle-collect $version" ] || fail "the chroot link printed '$got'"

# Nothing but the agent, its link, its libraries and their licences.
extra=$(cd "$rootfs" && find . -type f -o -type l | grep -vE '^\./(usr/local/bin/(kbundle-collect|chroot)|(usr/)?lib(64|/[a-z0-9_-]+-linux-gnu)?/[^/]+\.so[.0-9]*|usr/share/doc/[^/]+/copyright)$' || true)
[ -z "$extra" ] || fail "unexpected files in the image: $extra"

# A real agent run: a fake node at /host (read-only, as the DaemonSet mounts it).
node=$work/node
mkdir -p "$node/etc" "$node/var/log"
echo "image-check-node" >"$node/etc/hostname"
echo "Dec  4 00:00:00 image-check-node kubelet[1]: hello from the node" >"$node/var/log/syslog"
mkdir -p "$rootfs/host"
if mount --bind "$node" "$rootfs/host" 2>/dev/null; then
    mount -o remount,bind,ro "$rootfs/host" 2>/dev/null || true
else
    # No mount privilege (a container without CAP_SYS_ADMIN): a copy shows the same.
    cp -a "$node/." "$rootfs/host/"
fi
KBUNDLE_NODE_NAME=image-check-node timeout 120 chroot "$rootfs" /usr/local/bin/kbundle-collect \
    --agent /kbundle/out --host-root /host --command-timeout 5 --quiet &
agent=$!
for _ in $(seq 1 120); do
    chroot "$rootfs" /usr/local/bin/kbundle-collect --agent-ready /kbundle/out && break
    sleep 1
done
chroot "$rootfs" /usr/local/bin/kbundle-collect --agent-ready /kbundle/out || fail "the agent never became ready"
chroot "$rootfs" /usr/local/bin/kbundle-collect --agent-fetch /kbundle/out >"$work/result.tar.gz"
kill -TERM "$agent"
wait "$agent" || true
tar -tzf "$work/result.tar.gz" >"$work/members" || fail "--agent-fetch sent no valid tar.gz"
grep -q 'host-collectors/image-check-node/files/var/log/syslog$' "$work/members" ||
    fail "the node's syslog is not in the result: $(head -20 "$work/members")"
echo "check-image.sh: $(basename "$image") ok ($(du -h "$image" | cut -f1), $(grep -c . "$work/members") members in the agent's result)"
