//! Benchmark of the core through its sans-IO API (no sockets): prints figures against the
//! targets of the core issue. Run with
//! `cargo run --release -p ephemail-tests --example bench_core`.
//!
//! Targets: a session greeting→LOGIN→SELECT→LOGOUT ≤ 10 µs; APPEND ≥ 200,000 messages/s;
//! ≤ 200 bytes held per message beyond its raw bytes.

use std::alloc::System;
use std::time::{Duration, Instant};

use ephemail_core::{Config, Input, MailStore, Output, Server, SessionId, Timestamp};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const MESSAGES: usize = 2_000;
const NOW: Timestamp = Timestamp::from_unix_secs(1_704_164_645);

fn message(i: usize) -> Vec<u8> {
    let mut m = format!(
        "From: Sender {i} <sender{i}@example.org>\r\nTo: alice@example.org\r\nSubject: Message number {i}\r\nDate: Tue, 2 Jan 2024 03:04:05 +0000\r\nMessage-ID: <{i}@example.org>\r\n\r\n"
    )
    .into_bytes();
    while m.len() < 4096 - 2 {
        m.extend_from_slice(
            b"Lorem ipsum dolor sit amet, consectetur adipiscing elit. 0123456789\r\n",
        );
    }
    m.truncate(4096 - 2);
    m.extend_from_slice(b"\r\n");
    m
}

fn drain(server: &mut Server) -> usize {
    let mut bytes = 0;
    while let Some(output) = server.poll_output() {
        if let Output::Transmit { bytes: b, .. } = output {
            bytes += b.len();
        }
    }
    bytes
}

fn send(server: &mut Server, session: SessionId, bytes: &[u8]) -> usize {
    server.handle_input(NOW, Input::Received { session, bytes });
    drain(server)
}

fn fresh() -> Server {
    let mut store = MailStore::new();
    store.add_user("alice", "password").unwrap();
    Server::new(Config::default(), store)
}

fn per(d: Duration, n: usize) -> String {
    format!("{:.2} µs", d.as_secs_f64() * 1e6 / n as f64)
}

fn main() {
    println!("ephemail-core sans-IO benchmark (release build recommended)\n");

    // 1. Whole sessions.
    let mut server = fresh();
    let rounds = 20_000;
    let start = Instant::now();
    for _ in 0..rounds {
        let s = server.accept(NOW);
        drain(&mut server);
        send(&mut server, s, b"a1 LOGIN alice password\r\n");
        send(&mut server, s, b"a2 SELECT INBOX\r\n");
        send(&mut server, s, b"a3 LOGOUT\r\n");
    }
    let session_time = start.elapsed();
    println!(
        "session greeting→LOGIN→SELECT→LOGOUT: {} per session (target ≤ 10 µs)",
        per(session_time, rounds)
    );

    // 2. APPEND of 2,000 messages of ~4 KB, pipelined with LITERAL+; best of 5 rounds
    //    (a shared machine adds noise, never speed).
    let raw: Vec<Vec<u8>> = (0..MESSAGES).map(message).collect();
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let mut server = fresh();
        let s = server.accept(NOW);
        drain(&mut server);
        send(&mut server, s, b"a1 LOGIN alice password\r\n");
        let mut pipeline = Vec::new();
        for (i, m) in raw.iter().enumerate() {
            pipeline
                .extend_from_slice(format!("p{i} APPEND INBOX {{{}+}}\r\n", m.len()).as_bytes());
            pipeline.extend_from_slice(m);
            pipeline.extend_from_slice(b"\r\n");
        }
        let start = Instant::now();
        for chunk in pipeline.chunks(64 * 1024) {
            send(&mut server, s, chunk);
        }
        best = best.min(start.elapsed());
    }
    println!(
        "APPEND {MESSAGES} × {} B (LITERAL+, pipelined, 64 KiB reads): best {:.1} ms, {:.0} messages/s (target ≥ 200,000/s)",
        raw[0].len(),
        best.as_secs_f64() * 1e3,
        MESSAGES as f64 / best.as_secs_f64()
    );
    if std::env::args().any(|a| a == "append") {
        return;
    }

    // Memory: one more round, measured by the counting allocator.
    let mut server = fresh();
    let s = server.accept(NOW);
    drain(&mut server);
    send(&mut server, s, b"a1 LOGIN alice password\r\n");
    let mut pipeline = Vec::new();
    let raw_total: usize = raw.iter().map(Vec::len).sum();
    for (i, m) in raw.iter().enumerate() {
        pipeline.extend_from_slice(format!("p{i} APPEND INBOX {{{}+}}\r\n", m.len()).as_bytes());
        pipeline.extend_from_slice(m);
        pipeline.extend_from_slice(b"\r\n");
    }
    // Feed as a socket would: 64 KiB reads.
    let region = Region::new(GLOBAL);
    let start = Instant::now();
    for chunk in pipeline.chunks(64 * 1024) {
        send(&mut server, s, chunk);
    }
    let _ = start.elapsed();
    let stats = region.change();
    let held = stats.bytes_allocated as isize - stats.bytes_deallocated as isize;
    let count = server
        .store()
        .mailbox_by_name("alice", "INBOX")
        .unwrap()
        .len();
    assert_eq!(count, MESSAGES);
    let overhead = (held - raw_total as isize) as f64 / MESSAGES as f64;
    println!(
        "memory held after APPEND: {held} B for {raw_total} B of messages: {overhead:.0} B per message beyond its bytes (target ≤ 200 B)"
    );
    println!(
        "  of which: message record {} B, shared body header {} B, per-session framing buffers ~{} B in all",
        std::mem::size_of::<ephemail_core::Message>(),
        std::mem::size_of::<ephemail_core::MessageBody>() + 40,
        64 * 1024 + 4096
    );

    // 3. FETCH FLAGS UID RFC822.SIZE 1:*
    send(&mut server, s, b"a2 SELECT INBOX\r\n");
    let reps = 50;
    let start = Instant::now();
    let mut bytes = 0;
    for _ in 0..reps {
        bytes = send(&mut server, s, b"f1 FETCH 1:* (FLAGS UID RFC822.SIZE)\r\n");
    }
    println!(
        "FETCH 1:* (FLAGS UID RFC822.SIZE) over {MESSAGES}: {:.3} ms ({bytes} B of responses)",
        start.elapsed().as_secs_f64() * 1e3 / reps as f64
    );

    // 4. STORE +FLAGS 1:*
    let start = Instant::now();
    for i in 0..reps {
        let flag = if i % 2 == 0 { "+FLAGS" } else { "-FLAGS" };
        send(
            &mut server,
            s,
            format!("s{i} STORE 1:* {flag} (\\Seen)\r\n").as_bytes(),
        );
    }
    println!(
        "STORE 1:* ±FLAGS (\\Seen) over {MESSAGES}: {:.3} ms",
        start.elapsed().as_secs_f64() * 1e3 / reps as f64
    );
}
