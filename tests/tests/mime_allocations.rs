//! Per-message cost of cached MIME data: once the structure and search text exist, a
//! FETCH of ENVELOPE/BODYSTRUCTURE or a content SEARCH must not allocate per message
//! (no re-parse, no per-message needle or decode). Counted with an instrumented global
//! allocator: doubling the mailbox may add only the few reallocations of growing
//! output buffers.

use std::alloc::System;

use ephemail_tests::mime_corpus::{bench_messages, fetch_bytes, server_with};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations made by the second run of `command` over `count` messages.
fn warm_allocations(count: usize, command: &str) -> usize {
    let (mut t, c) = server_with(&bench_messages(count));
    fetch_bytes(&mut t, c, command); // parses and caches
    let region = Region::new(GLOBAL);
    let out = fetch_bytes(&mut t, c, command);
    let allocations = region.change().allocations;
    assert!(String::from_utf8_lossy(&out).contains("b1 OK"));
    allocations
}

#[test]
fn cached_fetch_and_search_do_not_allocate_per_message() {
    for command in [
        "b1 FETCH 1:* (ENVELOPE BODYSTRUCTURE BODY)",
        "b1 SEARCH SUBJECT quarterly",
        "b1 SEARCH HEADER Message-ID msg1",
        "b1 SEARCH TEXT zanzibar",
        "b1 SEARCH OR BODY zanzibar FROM sender7",
    ] {
        let small = warm_allocations(150, command);
        let large = warm_allocations(600, command);
        assert!(
            large < small + 40,
            "{command}: {small} allocations for 150 messages, {large} for 600"
        );
    }
}
