//! Helpers for tests that drive ephemail with programs in other languages.
//!
//! A missing tool (python3, node, curl, the npm packages) is a failure with a message
//! that names it and how to install it, never a silent skip.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use ephemail::TestServer;

/// The folder of the client scripts (and of the npm packages they use).
pub fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

/// Panics with a clear message unless `tool --version` runs.
pub fn require_tool(tool: &str) {
    let found = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "`{tool}` is needed by this test but was not found on PATH; \
         install it (scripts/setup-clients.sh installs every client the tests use)"
    );
}

/// A temporary folder removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("ephemail-test-{label}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes what `ephemail serve --ready-file` writes, for an in-process server, so that
/// client scripts read one format whichever way the server was started.
pub fn write_ready_file(server: &TestServer, users: &[(&str, &str)], dir: &TempDir) -> PathBuf {
    let ca_file = dir.path("ca.pem");
    std::fs::write(&ca_file, server.ca_pem()).unwrap();
    let addresses = server.addresses();
    let json = serde_json::json!({
        "imap": addresses.imap,
        "imaps": addresses.imaps,
        "ca_file": ca_file,
        "ca_pem": server.ca_pem(),
        "users": users.iter().map(|(n, p)| serde_json::json!({"name": n, "password": p})).collect::<Vec<_>>(),
        "pid": std::process::id(),
    });
    let ready = dir.path("ready.json");
    std::fs::write(&ready, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
    ready
}

/// Runs a client program to completion (at most `limit`) and returns its output; panics
/// with its stdout and stderr when it fails.
pub async fn run_client(mut command: Command, limit: Duration) -> Output {
    let description = format!("{command:?}");
    let mut command =
        tokio::process::Command::from(std::mem::replace(&mut command, Command::new("true")));
    command.kill_on_drop(true);
    let output = tokio::time::timeout(limit, command.output())
        .await
        .unwrap_or_else(|_| panic!("{description} did not finish within {limit:?}"))
        .unwrap_or_else(|e| panic!("{description} could not start: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{description} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    output
}

/// An `ephemail serve` process, killed on drop.
pub struct CliServer {
    pub child: Child,
    pub ready: serde_json::Value,
    pub dir: TempDir,
}

impl CliServer {
    /// Starts the binary with `args` plus `--ready-file`, waits for the file.
    pub fn start(args: &[&str]) -> CliServer {
        let dir = TempDir::new("cli");
        let ready_file = dir.path("ready.json");
        let child = Command::new(env!("CARGO_BIN_EXE_ephemail"))
            .arg("serve")
            .args(args)
            .arg("--ready-file")
            .arg(&ready_file)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawning the ephemail binary");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !ready_file.exists() {
            assert!(Instant::now() < deadline, "ephemail wrote no ready file");
            std::thread::sleep(Duration::from_millis(5));
        }
        let ready = serde_json::from_slice(&std::fs::read(&ready_file).unwrap()).unwrap();
        CliServer { child, ready, dir }
    }

    pub fn ready_file(&self) -> PathBuf {
        self.dir.path("ready.json")
    }

    pub fn addr(&self, key: &str) -> String {
        self.ready[key].as_str().unwrap().to_owned()
    }
}

impl Drop for CliServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
