#!/usr/bin/env bash
# Counts the user-space instructions the `ephemail serve` process spends on one part of
# the `imap` bench, under callgrind. On a busy machine wall time varies by a factor of
# two between runs; this count moves by about 1%, so it shows what a change to the
# harness buys.
#
#   harness/benches/icount.sh sessions|clients|append|mime [more ephemail serve flags]
#
# The part runs once to warm up, then once counted; prints the bench's own line, the
# total and the functions with the most instructions. Needs valgrind.
set -euo pipefail

part=${1:?usage: icount.sh sessions|clients|append|mime [serve flags...]}
shift
command -v valgrind >/dev/null || { echo "icount.sh: needs valgrind" >&2; exit 1; }
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bench=$(cargo bench -p ephemail --bench imap --no-run 2>&1 |
    sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -1)
server="$(dirname "$bench")/../ephemail"
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))

valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$server" serve \
    --imap "127.0.0.1:$port" --imaps off --log warn --user bench:bench "$@" \
    >/dev/null 2>"$work/valgrind.log" &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

run() { BENCH_SERVER="127.0.0.1:$port" BENCH_ONLY="$1" "$bench" --bench | tail -1; }
# The 20 clients select and fetch from the messages the APPEND part stores.
[ "$part" = clients ] && run append >/dev/null
run "$part" >/dev/null
callgrind_control -z "$pid" >/dev/null 2>&1
run "$part"
callgrind_control -d "$pid" >/dev/null 2>&1
callgrind_annotate --threshold=100 "$work"/callgrind.out.* 2>/dev/null |
    grep -E '^ *[0-9,]+ ' | grep -v -E '\(below main\)|libc_start|:main |begin_short_backtrace|0x0000' |
    head -25
