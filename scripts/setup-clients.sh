#!/usr/bin/env bash
# Installs the third-party IMAP clients the harness tests drive:
#   curl and python3 (apt, when root and missing), node + npm (apt, when root and missing),
#   imapflow (npm, into harness/tests/clients/node_modules, from the committed lockfile).
# Python's imaplib is in the standard library: no pip package is needed.
# Idempotent and quick when everything is already there.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
clients="$here/harness/tests/clients"

missing=()
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup-clients: installing ${missing[*]} with apt-get"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "setup-clients: missing ${missing[*]}; install them (not root, or no apt-get)" >&2
        exit 1
    fi
fi

# imapflow, pinned by package-lock.json; npm ci only when the installed tree is older
# than the lockfile (npm writes node_modules/.package-lock.json on every install).
if [ ! -d "$clients/node_modules/imapflow" ] || [ "$clients/package-lock.json" -nt "$clients/node_modules/.package-lock.json" ]; then
    echo "setup-clients: npm ci in harness/tests/clients"
    (cd "$clients" && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "setup-clients: curl $(curl --version | head -1 | cut -d' ' -f2), python $(python3 -c 'import platform; print(platform.python_version())'), node $(node --version), imapflow $(node -p "require('$clients/node_modules/imapflow/package.json').version")"
