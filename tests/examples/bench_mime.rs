//! Sans-IO MIME benchmark: 2,000 messages of about 4 KB in one mailbox, then
//! `FETCH 1:* (ENVELOPE BODYSTRUCTURE)`, `FETCH 1:* BODY.PEEK[]`, `SEARCH SUBJECT` and
//! `SEARCH TEXT`, timed through `Server::handle_input` and `poll_output` (no sockets).
//!
//! Run: `cargo run --release -p ephemail-tests --example bench_mime`
//!
//! "cold" is the first run after the messages arrived, which parses each message
//! (FETCH) or builds its decoded search text (SEARCH); "warm" is the median of later
//! runs, served from the per-message caches. The workload comes from
//! `ephemail_tests::mime_corpus::bench_messages`, shared with the loopback benchmark.

use std::alloc::System;
use std::time::{Duration, Instant};

use ephemail_tests::mime_corpus::{bench_messages, fetch_bytes, server_with};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const MESSAGES: usize = 2_000;
const RUNS: usize = 15;

fn main() {
    let messages = bench_messages(MESSAGES);
    let average = messages.iter().map(Vec::len).sum::<usize>() / messages.len();
    let (mut t, c) = server_with(&messages);
    println!("{MESSAGES} messages, {average} bytes on average; median of {RUNS} warm runs\n");

    let cases: [(&str, &str, &str); 4] = [
        (
            "FETCH ENVELOPE BODYSTRUCTURE 1:*",
            "b1 FETCH 1:* (ENVELOPE BODYSTRUCTURE)",
            "* 2000 FETCH",
        ),
        (
            "FETCH BODY.PEEK[] 1:*",
            "b1 FETCH 1:* BODY.PEEK[]",
            "* 2000 FETCH",
        ),
        (
            "SEARCH SUBJECT",
            "b1 SEARCH SUBJECT quarterly",
            "* SEARCH 1 11 21",
        ),
        ("SEARCH TEXT", "b1 SEARCH TEXT zanzibar", "* SEARCH 1 8 15"),
    ];
    println!(
        "{:<36} {:>10} {:>10} {:>10} {:>12}",
        "", "cold", "warm", "bytes", "warm allocs"
    );
    for (label, command, expect) in cases {
        let start = Instant::now();
        let first = fetch_bytes(&mut t, c, command);
        let cold = start.elapsed();
        let text =
            String::from_utf8_lossy(&first[first.len().saturating_sub(4_000)..]).into_owned();
        assert!(
            String::from_utf8_lossy(&first).contains(expect) && text.contains("b1 OK"),
            "{label}: unexpected response"
        );
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                let out = fetch_bytes(&mut t, c, command);
                let elapsed = start.elapsed();
                assert_eq!(out.len(), first.len());
                elapsed
            })
            .collect();
        times.sort();
        let region = Region::new(GLOBAL);
        fetch_bytes(&mut t, c, command);
        let allocations = region.change().allocations;
        println!(
            "{label:<36} {:>8.2}ms {:>8.2}ms {:>10} {:>12}",
            cold.as_secs_f64() * 1e3,
            times[RUNS / 2].as_secs_f64() * 1e3,
            first.len(),
            allocations
        );
    }
    println!("\nTargets (warm): <= 20 / <= 10 / <= 1.5 / <= 12 ms");
}
