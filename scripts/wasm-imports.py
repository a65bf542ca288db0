#!/usr/bin/env python3
"""Lists the imports of a WebAssembly module and fails if any comes from `env`.

A sans-IO core must not reach for the host: an `env` import means some dependency
wants a clock, randomness or libc, which breaks `wasm32-unknown-unknown` in a browser.
Usage: wasm-imports.py MODULE.wasm [--allow MODULE]...   (wasm-bindgen's own imports
come from `wbg`/`__wbindgen_placeholder__`, which are allowed.)
"""
import sys


def leb(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos


def imports(data):
    if data[:4] != b"\0asm":
        raise SystemExit("not a wasm module")
    pos = 8
    found = []
    while pos < len(data):
        section, pos = data[pos], pos + 1
        size, pos = leb(data, pos)
        end = pos + size
        if section == 2:
            count, p = leb(data, pos)
            for _ in range(count):
                n, p = leb(data, p)
                module = data[p:p + n].decode()
                p += n
                n, p = leb(data, p)
                name = data[p:p + n].decode()
                p += n
                kind = data[p]
                p += 1
                if kind == 0:
                    _, p = leb(data, p)
                elif kind == 1:
                    p += 1
                    flags, p = leb(data, p)
                    _, p = leb(data, p)
                    if flags & 1:
                        _, p = leb(data, p)
                elif kind == 2:
                    flags, p = leb(data, p)
                    _, p = leb(data, p)
                    if flags & 1:
                        _, p = leb(data, p)
                elif kind == 3:
                    p += 2
                found.append((module, name))
        pos = end
    return found


def main():
    path = sys.argv[1]
    found = imports(open(path, "rb").read())
    env = [f"{m}.{n}" for m, n in found if m == "env"]
    print(f"{path}: {len(found)} imports, {len(env)} from env")
    if env:
        print("imports from env (a dependency reaches for the host):")
        for item in env:
            print("  ", item)
        sys.exit(1)


if __name__ == "__main__":
    main()
