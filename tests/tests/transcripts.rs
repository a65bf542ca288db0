//! Replays every transcript in `fixtures/transcripts/` (see `ephemail_tests::transcript`).
//!
//! A file may start with `#! config: NAME` lines to pick a server configuration.

use std::path::Path;

use ephemail_core::{Config, Feature};
use ephemail_tests::{transcript, TestServer};

fn config_for(script: &str) -> Config {
    let mut config = Config::default();
    for line in script.lines().filter_map(|l| l.strip_prefix("#! config: ")) {
        config = match line.trim() {
            "starttls" => config.with_starttls(true),
            "login_requires_tls" => config.with_starttls(true).with_login_requires_tls(true),
            "max_line_length 100" => config.with_max_line_length(100),
            "max_message_size 1000" => config.with_max_message_size(1000),
            "autologout 60000" => config.with_autologout_millis(Some(60_000)),
            "no_idle" => config.without(Feature::Idle),
            "no_autologout" => config.with_autologout_millis(None),
            other => panic!("unknown config {other}"),
        };
    }
    config
}

#[test]
fn every_transcript_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/transcripts");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/transcripts exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    entries.sort();
    assert!(entries.len() >= 25, "transcripts found: {}", entries.len());
    let mut failures = Vec::new();
    for path in &entries {
        let script = std::fs::read_to_string(path).unwrap();
        let mut server = TestServer::with_config(config_for(&script));
        if let Err(message) = transcript::run(&mut server, &script) {
            failures.push(format!(
                "{}: {message}",
                path.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
