#!/usr/bin/env bash
# Runs the headless Chromium test of the browser demo against wasm/dist.
#
#   scripts/build-wasm.sh && scripts/test-browser.sh
#
# Installs chromium and playwright-core first if needed (scripts/setup-browser.sh). The
# test's summary is node --test's TAP output; its "# time to interactive" and
# "# command round trip" lines are the page's figures.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

if [ ! -f "$root/wasm/dist/index.html" ]; then
    echo "test-browser: wasm/dist is missing: run scripts/build-wasm.sh first" >&2
    exit 1
fi
bash "$root/scripts/setup-browser.sh"
# A relative EPHEMAIL_SCREENSHOT names a file from where this was run, not from wasm/tests.
if [ -n "${EPHEMAIL_SCREENSHOT:-}" ]; then
    EPHEMAIL_SCREENSHOT="$(realpath -m "$EPHEMAIL_SCREENSHOT")"
    export EPHEMAIL_SCREENSHOT
fi
cd "$root/wasm/tests"
node --test
