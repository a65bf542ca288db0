#!/usr/bin/env bash
# The one command that runs every test of ephemail (see README.md). It installs what it
# can on a fresh machine (Rust components and the wasm target, pip and npm packages,
# wasm-bindgen-cli, and Debian's chromium when run as root) and otherwise names exactly
# what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "missing: $1 ($2)"; exit 1; }; }

step "toolchain"
need cargo "install Rust with rustup"
need python3 "install Python 3"
need node "install Node.js 20"
need npm "install npm"
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

step "format"
cargo fmt --all -- --check

step "lint"
cargo clippy --workspace --all-targets -- -D warnings

if [ -f scripts/setup-clients.sh ]; then
  step "third-party IMAP clients for the real-client tests"
  bash scripts/setup-clients.sh
fi

step "Rust tests (unit, transcripts, scenarios, properties, real clients, doc examples)"
cargo test --workspace

step "ephemail-core builds for wasm32-unknown-unknown"
cargo build -p ephemail-core --target wasm32-unknown-unknown --release

if [ -f scripts/build-wasm.sh ]; then
  step "browser demo: build (fails on any import from env)"
  bash scripts/build-wasm.sh
fi

if [ -f scripts/test-browser.sh ]; then
  step "browser demo: headless Chromium test"
  bash scripts/test-browser.sh
fi

step "all tests passed"
