//! `cargo bench -p ephemail --bench imap`: the ephemail binary over loopback.
//!
//! Prints, with plain blocking clients (so the client costs little):
//! - process spawn → first LOGIN OK (median of 20 spawns);
//! - 200 sequential sessions (connect, LOGIN, SELECT, LOGOUT);
//! - pipelined APPEND of 2,000 messages of about 4 KB;
//! - 20 concurrent clients, each 50 rounds of SELECT, FETCH 1:10 FLAGS, NOOP
//!   (commands per second and p99 latency);
//! - peak RSS (VmHWM) of the server holding 2,000 and 20,000 such messages;
//! - over the 2,000 appended messages, the MIME issue's commands end to end: FETCH
//!   ENVELOPE BODYSTRUCTURE 1:*, FETCH BODY.PEEK[] 1:*, SEARCH SUBJECT and SEARCH TEXT,
//!   each the first time (structure parsed then) and again (cached).
//!
//! `BENCH_ONLY` picks parts, `BENCH_SERVER` drives a server started by hand (under strace
//! or perf, say), `BENCH_SERVER_ARGS` adds flags to the spawned one; see `main`.
//! `icount.sh` beside this file counts the server's instructions for one part with
//! callgrind, a figure that stays put on a busy machine where the times here do not.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const USER: &str = "bench";
const PASSWORD: &str = "bench";

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not, and a debug
    // build would only produce misleading numbers, so it does nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("run with `cargo bench -p ephemail --bench imap`");
        return;
    }
    // `BENCH_ONLY=sessions` (or spawn, append, mime, clients, rss; comma-separated) runs
    // only those parts, e.g. to trace the server during one workload. `BENCH_SERVER=ADDR`
    // drives an `ephemail serve` that is already running there (with the user
    // bench:bench) instead of spawning one, so that it can run under strace or perf.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let runs = |part: &str| only.is_empty() || only.split(',').any(|p| p.trim() == part);
    let external: Option<SocketAddr> = std::env::var("BENCH_SERVER")
        .ok()
        .map(|a| a.parse().expect("BENCH_SERVER=ADDR"));

    let spawn = (runs("spawn") && external.is_none()).then(spawn_to_first_login);
    let server = (external.is_none()
        && ["sessions", "append", "mime", "clients"]
            .iter()
            .any(|p| runs(p)))
    .then(Server::start);
    let addr = external.or(server.as_ref().map(|s| s.addr));
    let sessions = addr
        .filter(|_| runs("sessions"))
        .map(|a| sequential_sessions(a, 200));
    // The MIME commands read the messages that the APPEND part stored.
    let append = addr
        .filter(|_| runs("append") || runs("mime"))
        .map(|a| pipelined_append(a, 2_000));
    let mime = addr.filter(|_| runs("mime")).map(mime_commands);
    let clients = addr
        .filter(|_| runs("clients"))
        .map(|a| concurrent_clients(a, 20, 50));
    drop(server);
    let rss =
        (runs("rss") && external.is_none()).then(|| (peak_rss_with(2_000), peak_rss_with(20_000)));

    println!("ephemail benchmark (loopback, release build)");
    println!("| measure | ephemail | target | go-imap memory server |");
    println!("| --- | --- | --- | --- |");
    if let Some(spawn) = spawn {
        println!(
            "| process spawn → first LOGIN OK (median of 20) | {:.1} ms | ≤ 3 ms | 6.8 ms |",
            ms(spawn)
        );
    }
    if let Some(sessions) = sessions {
        println!(
            "| 200 sequential sessions (connect, LOGIN, SELECT, LOGOUT) | {:.3} s | ≤ 0.035 s | 0.07 s |",
            sessions.as_secs_f64()
        );
    }
    if let Some(append) = append.filter(|_| runs("append")) {
        println!(
            "| pipelined APPEND of 2,000 × ~4 KB | {:.0} messages/s | ≥ 70,000/s | 35,000/s |",
            2_000.0 / append.as_secs_f64()
        );
    }
    if let Some((rate, p99)) = clients {
        println!(
            "| 20 clients × 50 × (SELECT, FETCH 1:10 FLAGS, NOOP) | {:.0} commands/s, p99 {:.2} ms | ≥ 50,000/s, p99 ≤ 4 ms | 24,200/s, p99 7.7 ms |",
            rate,
            ms(p99)
        );
    }
    if let Some((rss_2k, rss_20k)) = rss {
        println!(
            "| peak RSS with 2,000 / 20,000 messages | {:.1} MB / {:.1} MB | ≤ 12 MB / ≤ 110 MB | 21 MB / 153 MB |",
            rss_2k as f64 / 1e6,
            rss_20k as f64 / 1e6
        );
    }
    if let Some(mime) = mime {
        println!();
        println!(
            "| over 2,000 messages of ~4 KB | first time | again | target | Dovecot / go-imap |"
        );
        println!("| --- | --- | --- | --- | --- |");
        for (label, first, again, target, peers) in mime {
            println!(
                "| {label} | {:.1} ms | {:.1} ms | ≤ {target} ms | {peers} |",
                ms(first),
                ms(again)
            );
        }
    }
}

/// The MIME issue's workload over the messages `pipelined_append` stored, each command
/// timed the first time (when message structure is parsed) and a second time.
fn mime_commands(
    addr: SocketAddr,
) -> Vec<(&'static str, Duration, Duration, &'static str, &'static str)> {
    let mut client = Client::connect(addr).unwrap();
    client.login();
    client.command("s", "EXAMINE INBOX");
    let mut timed = |command: &str| {
        let started = Instant::now();
        client.command("m", command);
        started.elapsed()
    };
    let mut rows = Vec::new();
    for (label, command, target, peers) in [
        (
            "FETCH 1:* (ENVELOPE BODYSTRUCTURE)",
            "FETCH 1:* (ENVELOPE BODYSTRUCTURE)",
            "20",
            "47 / 87 ms",
        ),
        (
            "FETCH 1:* BODY.PEEK[]",
            "FETCH 1:* BODY.PEEK[]",
            "10",
            "21 / 35 ms",
        ),
        (
            "SEARCH SUBJECT",
            "SEARCH SUBJECT \"message 1999\"",
            "1.5",
            "3.5 / 11 ms",
        ),
        (
            "SEARCH TEXT",
            "SEARCH TEXT \"padded to a realistic\"",
            "12",
            "77 / 29 ms",
        ),
    ] {
        let first = timed(command);
        let again = timed(command);
        rows.push((label, first, again, target, peers));
    }
    rows
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A running `ephemail serve` on a free loopback port.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn spawn() -> (Server, Instant) {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        let child = Command::new(env!("CARGO_BIN_EXE_ephemail"))
            .arg("serve")
            .arg("--imap")
            .arg(addr.to_string())
            .args(["--imaps", "off", "--log", "warn"])
            .args(
                std::env::var("BENCH_SERVER_ARGS")
                    .unwrap_or_default()
                    .split_whitespace(),
            )
            .arg("--user")
            .arg(format!("{USER}:{PASSWORD}"))
            .stdout(Stdio::null())
            .spawn()
            .expect("spawning ephemail");
        (Server { child, addr }, started)
    }

    fn start() -> Server {
        let (server, _) = Server::spawn();
        drop(Client::connect_retrying(server.addr));
        server
    }

    fn peak_rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("reading /proc (Linux only)");
        let line = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .expect("VmHWM in /proc/PID/status");
        let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kb * 1024
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    line: String,
}

impl Client {
    fn connect(addr: SocketAddr) -> std::io::Result<Client> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        let mut client = Client {
            writer: stream.try_clone()?,
            reader: BufReader::new(stream),
            line: String::new(),
        };
        client.read_line();
        assert!(client.line.starts_with("* OK"), "{}", client.line);
        Ok(client)
    }

    fn connect_retrying(addr: SocketAddr) -> Client {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match Client::connect(addr) {
                Ok(client) => return client,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(Duration::from_micros(50));
                }
                Err(e) => panic!("cannot connect to {addr}: {e}"),
            }
        }
    }

    fn read_line(&mut self) {
        self.line.clear();
        let n = self.reader.read_line(&mut self.line).unwrap();
        assert!(n > 0, "server closed the connection");
    }

    /// Sends `tag command` and reads up to the tagged response, which must be OK.
    fn command(&mut self, tag: &str, command: &str) {
        // One write per command, as real clients do: `write!` on the socket itself would
        // send each piece of the format string as a TCP segment of its own.
        let line = format!("{tag} {command}\r\n");
        self.writer.write_all(line.as_bytes()).unwrap();
        self.read_tagged(tag);
    }

    fn read_tagged(&mut self, tag: &str) {
        loop {
            self.read_line();
            // Skip literals in responses (FETCH bodies are not asked for here).
            if let Some(n) = literal_length(&self.line) {
                let mut skip = vec![0; n];
                self.reader.read_exact(&mut skip).unwrap();
                continue;
            }
            if self.line.starts_with(tag) && self.line.as_bytes().get(tag.len()) == Some(&b' ') {
                assert!(
                    self.line[tag.len() + 1..].starts_with("OK"),
                    "{}",
                    self.line
                );
                return;
            }
        }
    }

    fn login(&mut self) {
        self.command("l", &format!("LOGIN {USER} {PASSWORD}"));
    }
}

fn literal_length(line: &str) -> Option<usize> {
    let trimmed = line.trim_end();
    let open = trimmed.strip_suffix('}')?.rfind('{')?;
    trimmed[open + 1..trimmed.len() - 1].parse().ok()
}

fn spawn_to_first_login() -> Duration {
    let mut times: Vec<Duration> = (0..20)
        .map(|_| {
            let (server, started) = Server::spawn();
            let mut client = Client::connect_retrying(server.addr);
            client.login();
            let elapsed = started.elapsed();
            drop(server);
            elapsed
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn sequential_sessions(addr: SocketAddr, count: usize) -> Duration {
    let started = Instant::now();
    for _ in 0..count {
        let mut client = Client::connect(addr).unwrap();
        client.login();
        client.command("s", "SELECT INBOX");
        client.command("o", "LOGOUT");
    }
    started.elapsed()
}

/// A message of about 4 KB, different for each `i`.
fn message(i: usize) -> Vec<u8> {
    let mut m = format!(
        "From: Sender {i} <sender{i}@example.com>\r\n\
         To: Bench <bench@example.com>\r\n\
         Subject: benchmark message {i}\r\n\
         Date: Mon, 1 Jan 2024 12:00:00 +0000\r\n\
         Message-ID: <{i}@bench.example.com>\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\
         \r\n"
    );
    let line = format!("Line of body text for message {i}, padded to a realistic width.\r\n");
    while m.len() + line.len() <= 4096 {
        m.push_str(&line);
    }
    m.into_bytes()
}

fn pipelined_append(addr: SocketAddr, count: usize) -> Duration {
    let mut client = Client::connect(addr).unwrap();
    client.login();
    let mut out = Vec::with_capacity(count * 4200);
    for i in 0..count {
        let body = message(i);
        write!(out, "a{i} APPEND INBOX {{{}+}}\r\n", body.len()).unwrap();
        out.extend_from_slice(&body);
        out.extend_from_slice(b"\r\n");
    }
    let started = Instant::now();
    let mut writer = client.writer.try_clone().unwrap();
    let sender = std::thread::spawn(move || writer.write_all(&out).unwrap());
    client.read_tagged(&format!("a{}", count - 1));
    let elapsed = started.elapsed();
    sender.join().unwrap();
    elapsed
}

fn concurrent_clients(addr: SocketAddr, clients: usize, rounds: usize) -> (f64, Duration) {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(clients + 1));
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut client = Client::connect(addr).unwrap();
                client.login();
                let mut latencies = Vec::with_capacity(rounds * 3);
                barrier.wait();
                for _ in 0..rounds {
                    for (tag, command) in [
                        ("s", "SELECT INBOX"),
                        ("f", "FETCH 1:10 FLAGS"),
                        ("n", "NOOP"),
                    ] {
                        let sent = Instant::now();
                        client.command(tag, command);
                        latencies.push(sent.elapsed());
                    }
                }
                latencies
            })
        })
        .collect();
    barrier.wait();
    let started = Instant::now();
    let mut latencies: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let elapsed = started.elapsed();
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100];
    (latencies.len() as f64 / elapsed.as_secs_f64(), p99)
}

fn peak_rss_with(count: usize) -> u64 {
    let server = Server::start();
    let mut client = Client::connect(server.addr).unwrap();
    client.login();
    let mut writer = client.writer.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let mut out = Vec::with_capacity(1 << 20);
        for i in 0..count {
            let body = message(i);
            write!(out, "a{i} APPEND INBOX {{{}+}}\r\n", body.len()).unwrap();
            out.extend_from_slice(&body);
            out.extend_from_slice(b"\r\n");
            if out.len() > 1 << 20 {
                writer.write_all(&out).unwrap();
                out.clear();
            }
        }
        writer.write_all(&out).unwrap();
    });
    client.read_tagged(&format!("a{}", count - 1));
    sender.join().unwrap();
    client.command("s", "SELECT INBOX");
    client.command("f", "FETCH 1:* FLAGS");
    server.peak_rss()
}
