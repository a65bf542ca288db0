//! The `ephemail serve` command, driven only through its flags, environment variables
//! and ready file, as a script in another language would drive it.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{require_tool, run_client, CliServer, TempDir};

fn python(ready: &std::path::Path, mode: &str) -> Command {
    require_tool("python3");
    let mut command = Command::new("python3");
    command
        .arg(common::clients_dir().join("imaplib_session.py"))
        .arg(ready)
        .arg(mode);
    command
}

fn terminate(server: &mut CliServer) -> std::process::ExitStatus {
    let pid = server.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "ephemail did not exit on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_port_zero_with_a_ready_file_then_exit_on_sigterm() {
    let dir = TempDir::new("cli-ca");
    let ca_out = dir.path("ca.pem");
    let mut server = CliServer::start(&[
        "--imap",
        "127.0.0.1:0",
        "--imaps",
        "127.0.0.1:0",
        "--user",
        "alice:cli-secret",
        "--user",
        "bob:other",
        "--ca-out",
        ca_out.to_str().unwrap(),
    ]);
    let ready = server.ready.clone();
    assert_ne!(server.addr("imap"), "127.0.0.1:0");
    assert_eq!(ready["users"][0]["name"], "alice");
    assert_eq!(ready["users"][1]["password"], "other");
    assert_eq!(ready["ca_file"], ca_out.to_str().unwrap());
    assert_eq!(
        std::fs::read_to_string(&ca_out).unwrap(),
        ready["ca_pem"].as_str().unwrap()
    );

    for mode in ["plain", "starttls", "tls"] {
        let output = run_client(python(&server.ready_file(), mode), Duration::from_secs(60)).await;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains(&format!("ok: {mode} session")), "{stdout}");
    }

    let status = terminate(&mut server);
    assert!(status.success(), "{status}");
    assert!(!server.ready_file().exists(), "ready file removed on exit");
    let mut banner = String::new();
    std::io::Read::read_to_string(server.child.stdout.as_mut().unwrap(), &mut banner).unwrap();
    assert!(banner.contains(&server.addr("imap")), "{banner}");
    assert!(banner.contains(&server.addr("imaps")), "{banner}");
    assert!(banner.contains("alice:cli-secret"), "{banner}");
    assert!(banner.contains(ca_out.to_str().unwrap()), "{banner}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_variables_configure_everything() {
    let dir = TempDir::new("cli-env");
    let ready_file = dir.path("ready.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ephemail"))
        .arg("serve")
        .env("EPHEMAIL_IMAP", "127.0.0.1:0")
        .env("EPHEMAIL_IMAPS", "off")
        .env("EPHEMAIL_USERS", "carol:pw1,dave:pw2")
        .env("EPHEMAIL_LOGIN_REQUIRES_TLS", "true")
        .env("EPHEMAIL_READY_FILE", &ready_file)
        .env("EPHEMAIL_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready_file.exists() {
        assert!(Instant::now() < deadline, "no ready file");
        std::thread::sleep(Duration::from_millis(5));
    }
    let ready: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&ready_file).unwrap()).unwrap();
    assert!(ready["imaps"].is_null());
    assert_eq!(ready["users"][1]["name"], "dave");
    let output = run_client(
        python(&ready_file, "logindisabled"),
        Duration::from_secs(60),
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("ok: plaintext login refused"), "{stdout}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_supplied_certificate_overrides_the_generated_ca() {
    let dir = TempDir::new("cli-cert");
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(dir.path("cert.pem"), certified.cert.pem()).unwrap();
    std::fs::write(dir.path("key.pem"), certified.signing_key.serialize_pem()).unwrap();
    let server = CliServer::start(&[
        "--imap",
        "127.0.0.1:0",
        "--imaps",
        "127.0.0.1:0",
        "--user",
        "alice:pw",
        "--tls-cert",
        dir.path("cert.pem").to_str().unwrap(),
        "--tls-key",
        dir.path("key.pem").to_str().unwrap(),
    ]);
    assert_eq!(
        server.ready["ca_pem"].as_str().unwrap(),
        certified.cert.pem()
    );
    let output = run_client(python(&server.ready_file(), "tls"), Duration::from_secs(60)).await;
    assert!(String::from_utf8_lossy(&output.stdout).contains("ok: tls session"));
}

#[test]
fn bad_arguments_fail_with_a_clear_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_ephemail"))
        .args(["serve", "--user", "nopassword"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("NAME:PASSWORD"), "{stderr}");

    let output = Command::new(env!("CARGO_BIN_EXE_ephemail"))
        .args(["serve", "--imap", "not-an-address"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--imap"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_logs_show_the_wire_but_never_a_password() {
    require_tool("python3");
    const SECRET: &str = "TopSecret-42";
    let dir = TempDir::new("cli-log");
    let ready_file = dir.path("ready.json");
    let log_file = std::fs::File::create(dir.path("log.txt")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ephemail"))
        .args([
            "serve",
            "--imap",
            "127.0.0.1:0",
            "--imaps",
            "off",
            "--log",
            "debug",
        ])
        .args(["--user", &format!("alice:{SECRET}"), "--ready-file"])
        .arg(&ready_file)
        .stdout(std::process::Stdio::null())
        .stderr(log_file)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready_file.exists() {
        assert!(Instant::now() < deadline, "no ready file");
        std::thread::sleep(Duration::from_millis(5));
    }
    let script = format!(
        r#"
import imaplib, json, sys
info = json.load(open(sys.argv[1]))
host, port = info["imap"].rsplit(":", 1)
m = imaplib.IMAP4(host, int(port))
m.login("alice", "{SECRET}")
m.select("INBOX")
m.logout()
m = imaplib.IMAP4(host, int(port))
m.authenticate("PLAIN", lambda _: b"\0alice\0{SECRET}")
m.logout()
print("ok")
"#
    );
    let mut python = Command::new("python3");
    python.args(["-c", &script]).arg(&ready_file);
    run_client(python, Duration::from_secs(30)).await;
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().unwrap();

    let log = std::fs::read_to_string(dir.path("log.txt")).unwrap();
    let sasl = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("\0alice\0{SECRET}"))
    };
    assert!(log.contains("session{"), "a span per session: {log}");
    assert!(log.contains("LOGIN alice ***"), "{log}");
    assert!(
        log.contains("SELECT completed"),
        "responses are logged: {log}"
    );
    assert!(log.contains("AUTHENTICATE"), "{log}");
    assert!(!log.contains(SECRET), "password in the log: {log}");
    assert!(!log.contains(&sasl), "SASL data in the log: {log}");
}
