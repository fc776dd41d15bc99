#!/usr/bin/env python3
"""THIRD-PARTY-LICENSES.txt for the release tarball, on stdout.

Usage: third-party-licenses.py TRIPLE PACKAGE...

The shipped binaries link every crate they depend on (normal dependencies, for TRIPLE; build
scripts and dev-dependencies are not shipped), the Rust standard library and, in a zig build,
LLVM's libunwind. Their licences ask for their notices to travel with the binaries, so this
lists each crate with its licence expression and appends the licence files the crate itself
carries: at its root, and one directory down for the C libraries some -sys crates vendor (zstd,
xz's liblzma, mimalloc, ring's BoringSSL parts). Where a C library is offered under a choice of
a permissive licence or the GPL (zstd), the permissive one applies and the GPL texts are left
out. Identical texts are printed once, with every crate that carries them.
"""

import json
import os
import subprocess
import sys

NAMES = ("LICENSE", "LICENCE", "COPYING", "NOTICE", "COPYRIGHT", "UNLICENSE")
CODE = (".sh", ".py", ".rs", ".c", ".h", ".go", ".pl", ".in", ".html")


def licence_files(root):
    found = []
    for depth_dir, depth in [(root, 0)] + [
        (os.path.join(root, d), 1) for d in sorted(os.listdir(root)) if os.path.isdir(os.path.join(root, d))
    ]:
        if depth == 1 and os.path.basename(depth_dir) in ("tests", "test", "benches", "examples", "target"):
            continue
        for name in sorted(os.listdir(depth_dir)):
            path = os.path.join(depth_dir, name)
            if not os.path.isfile(path) or name.lower().endswith(CODE):
                continue
            if not name.upper().startswith(NAMES):
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            head = text[:600].upper()
            if "GNU GENERAL PUBLIC LICENSE" in head or "GNU LESSER GENERAL PUBLIC LICENSE" in head:
                continue
            found.append((os.path.relpath(path, root), text.strip() + "\n"))
    return found


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    triple, roots = sys.argv[1], set(sys.argv[2:])
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--locked", "--format-version", "1", "--filter-platform", triple],
            check=True,
            stdout=subprocess.PIPE,
        ).stdout
    )
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    workspace = set(meta["workspace_members"])
    todo = [i for i, p in packages.items() if p["name"] in roots and i in workspace]
    if len(todo) != len(roots):
        sys.exit(f"third-party-licenses: not all of {sorted(roots)} are workspace packages")
    seen = set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        for dep in nodes[pid]["deps"]:
            if any(k["kind"] is None for k in dep["dep_kinds"]):
                todo.append(dep["pkg"])

    crates = sorted((packages[i] for i in seen - workspace), key=lambda p: (p["name"], p["version"]))
    texts = {}  # text -> [(crate, file)]
    print("Third-party software in the kbundle binaries")
    print("=" * 44)
    print()
    print("kbundle is licensed under the Apache License 2.0 (LICENSE). The binaries also contain")
    print("the following, each under its own licence, whose texts follow the list.")
    print()
    sysroot = subprocess.run(["rustc", "--print", "sysroot"], check=True, stdout=subprocess.PIPE, text=True).stdout.strip()
    std_mit = os.path.join(sysroot, "share/doc/rust/licenses/MIT.txt")
    print("  Rust standard library (MIT OR Apache-2.0)")
    if os.path.isfile(std_mit):
        with open(std_mit, encoding="utf-8") as f:
            texts.setdefault(f.read().strip() + "\n", []).append(("Rust standard library", "MIT.txt"))
    try:
        import ziglang  # noqa: PLC0415 - only present in a zig build

        unwind = os.path.join(os.path.dirname(ziglang.__file__), "lib/libunwind/LICENSE.TXT")
        if "zig" in os.environ.get("KBUNDLE_DIST_LINKER", "zig") and os.path.isfile(unwind):
            print("  LLVM libunwind, linked by zig (Apache-2.0 WITH LLVM-exception)")
            with open(unwind, encoding="utf-8") as f:
                texts.setdefault(f.read().strip() + "\n", []).append(("LLVM libunwind", "LICENSE.TXT"))
    except ImportError:
        pass
    for p in crates:
        licence = p.get("license") or f"see {p.get('license_file') or 'its files'}"
        print(f"  {p['name']} {p['version']} ({licence})")
        for rel, text in licence_files(os.path.dirname(p["manifest_path"])):
            texts.setdefault(text, []).append((f"{p['name']} {p['version']}", rel))
    print()
    for text, owners in texts.items():
        print("-" * 78)
        for crate, rel in owners:
            print(f"{crate}: {rel}")
        print()
        print(text)


if __name__ == "__main__":
    main()
