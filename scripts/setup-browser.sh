#!/usr/bin/env bash
# Installs what the headless browser test of the demo page needs:
#   - Debian's chromium at /usr/bin/chromium (when running as root; apt-get update first),
#   - npm playwright-core in wasm/tests/ (drives that chromium; downloads no browser).
# Fast when both are present. When it cannot install something, it says exactly what is
# missing and exits non-zero.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tests="$root/wasm/tests"
missing=()

if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "setup-browser: installing Debian chromium"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        missing+=("/usr/bin/chromium (as root: apt-get update && apt-get install -y chromium)")
    fi
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    missing+=("node and npm (Node.js 18 or newer)")
elif [ ! -f "$tests/node_modules/playwright-core/package.json" ]; then
    echo "setup-browser: installing npm playwright-core into wasm/tests"
    (cd "$tests" && npm ci --no-audit --no-fund >/dev/null)
fi

if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup-browser: missing:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 1
fi
echo "setup-browser: $(/usr/bin/chromium --version 2>/dev/null), playwright-core $(node -p "require('$tests/node_modules/playwright-core/package.json').version")"
