#!/usr/bin/env bash
# The one command that runs every test of ephemail (see README.md). It installs what it
# can on a fresh machine (Rust components and the wasm target, npm packages, apt packages,
# wasm-bindgen-cli, and Debian's chromium when run as root) and otherwise names exactly
# what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "missing: $1 ($2)"; exit 1; }; }

step "toolchain"
need cargo "install Rust with rustup"
need rustup "install Rust with rustup"
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

step "format"
cargo fmt --all -- --check

step "lint"
cargo clippy --workspace --all-targets -- -D warnings

# Installs python3, node, npm and curl with apt when missing (as root), then imapflow;
# otherwise names what is missing.
step "third-party IMAP clients for the real-client tests"
bash scripts/setup-clients.sh

step "Rust tests (unit, transcripts, scenarios, properties, real clients, doc examples)"
cargo test --workspace

step "ephemail-core builds for wasm32-unknown-unknown"
cargo build -p ephemail-core --target wasm32-unknown-unknown --release

step "browser demo: build (fails on any import from env)"
bash scripts/build-wasm.sh

step "browser demo: headless Chromium test (installs chromium with apt as root)"
bash scripts/test-browser.sh

step "all tests passed"
