#!/usr/bin/env python3
"""Where a binary's bytes go, by crate: the measurement behind docs/performance.md.

Usage: size-by-crate.py BINARY [TOP]

BINARY must keep its symbols: build it as dist does, but for its final link only,

    cargo zigbuild --profile dist --target x86_64-unknown-linux-gnu.2.17 -p kbundle   # deps
    cargo-zigbuild rustc --profile dist --target x86_64-unknown-linux-gnu.2.17 \\
        -p kbundle --bin kbundle -- -C strip=none

(`cargo rustc` passes the flag to the last crate alone, so the dependencies are reused.)

Each function or static is charged to the first crate named in its demangled name that is
not core/alloc/std (`core::ptr::drop_in_place<kube_client::Client>` is kube_client's), C
symbols by their prefix (mimalloc, ring, liblzma, zstd). After LTO, code inlined into a caller
is charged to the caller, so this is a good guide, not an exact bill. What no symbol covers
(string constants, unwind tables, the dynamic linking tables) is shown by section.
"""

import collections
import re
import subprocess
import sys

C_PREFIXES = [
    (re.compile(r"^_?mi_|^_mi_|^mi_"), "mimalloc (C)"),
    (re.compile(r"^ring_core_|_ring_core_|^(aes|gcm|chacha|ecp_nistz256|p256|bn_|sha|x25519|fiat_)"), "ring (C/asm)"),
    (re.compile(r"^lzma_|^lz_"), "liblzma (C)"),
    (re.compile(r"^(ZSTD|HUF|FSE|HIST|ZDICT|POOL|COVER|ZSTDMT|ERR)_|^zstd|^divsufsort"), "zstd (C)"),
]
STD = {"core", "alloc", "std", "compiler_builtins", "hashbrown", "std_detect", "rustc_demangle", "addr2line", "gimli", "object", "miniz_oxide", "adler2", "memchr"}
PATH_START = re.compile(r"(?<![A-Za-z0-9_])([a-z_][a-z0-9_]*)::")


def crate_of(name):
    if "::" not in name:
        for pattern, label in C_PREFIXES:
            if pattern.search(name):
                return label
        return "(other C / runtime)"
    # `<T as Trait>::f`: the implementing type names the crate.
    crates = [m.group(1) for m in PATH_START.finditer(name)]
    for c in crates:
        if c not in STD:
            return c
    return crates[0] if crates else "(unknown)"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    nm = subprocess.run(["nm", "--print-size", "--radix=d", "-C", binary], check=True, stdout=subprocess.PIPE, text=True).stdout
    by_crate = collections.Counter()
    by_section = collections.Counter()
    for line in nm.splitlines():
        parts = line.split(" ", 3)
        if len(parts) < 4 or not parts[1].isdigit():
            continue
        size, kind, name = int(parts[1]), parts[2], parts[3]
        by_crate[crate_of(name)] += size
        by_section["text" if kind in "tTwW" else "data"] += size
    sections = {}
    for line in subprocess.run(["size", "-A", "-d", binary], check=True, stdout=subprocess.PIPE, text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith(".") and parts[1].isdigit():
            sections[parts[0]] = int(parts[1])
    symbols = sum(by_crate.values())
    total = sum(v for k, v in sections.items() if not k.startswith((".comment", ".debug", ".symtab", ".strtab")))
    print(f"{binary}: {total / 1e6:.2f} MB loaded ({symbols / 1e6:.2f} MB in symbols)")
    for crate, size in by_crate.most_common(top):
        print(f"  {size / 1e6:7.3f} MB  {100 * size / total:5.1f} %  {crate}")
    rest = sum(size for _, size in by_crate.most_common()[top:])
    print(f"  {rest / 1e6:7.3f} MB  {100 * rest / total:5.1f} %  (the other {len(by_crate) - top} crates)")
    for sec in (".rodata", ".eh_frame", ".gcc_except_table", ".data.rel.ro", ".rela.dyn"):
        if sec in sections:
            print(f"  section {sec}: {sections[sec] / 1e6:.3f} MB")


if __name__ == "__main__":
    main()
