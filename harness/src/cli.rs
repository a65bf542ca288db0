//! The `ephemail` command line: `ephemail serve` runs a server until Ctrl-C or SIGTERM.
//!
//! Scripts in any language drive it with flags or environment variables alone: bind port
//! 0, pass `--ready-file`, wait for the file to appear, read the bound addresses and the
//! CA from its JSON. The file is written atomically (temporary file, then rename), so a
//! reader never sees half of it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use ephemail_core::Config;
use serde::Serialize;

use crate::{Addresses, TestServer, TestServerBuilder};

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "ephemail",
    version,
    about = "A throwaway in-memory IMAP server for tests"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
// Parsed once at startup; boxing the larger variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an IMAP server until Ctrl-C or SIGTERM.
    Serve(ServeArgs),
    /// Serve the browser demo's built files over HTTP until Ctrl-C or SIGTERM.
    Demo(DemoArgs),
}

/// Options of `ephemail demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The folder to serve (the demo's build output).
    #[arg(long, env = "EPHEMAIL_DEMO_DIR", default_value = "wasm/dist")]
    pub dir: PathBuf,

    /// Where to listen.
    #[arg(long, env = "EPHEMAIL_DEMO_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Log filter, as for `serve`.
    #[arg(long, env = "EPHEMAIL_LOG", default_value = "info")]
    pub log: String,
}

/// Options of `ephemail serve`. Every flag can also be given as an environment variable.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Plain IMAP with STARTTLS (the port-143 role): ADDR, or `off`.
    #[arg(long, env = "EPHEMAIL_IMAP", default_value = "127.0.0.1:1143", value_parser = parse_listen)]
    pub imap: Listen,

    /// IMAP over implicit TLS (the port-993 role): ADDR, or `off`.
    #[arg(long, env = "EPHEMAIL_IMAPS", default_value = "127.0.0.1:1993", value_parser = parse_listen)]
    pub imaps: Listen,

    /// A user as NAME:PASSWORD; repeat the flag, or separate with commas in the variable.
    #[arg(long = "user", env = "EPHEMAIL_USERS", value_delimiter = ',', value_parser = parse_user)]
    pub users: Vec<(String, String)>,

    /// Load mailboxes from PATH: a directory (an .eml tree, Maildirs, mbox files, or a
    /// .toml/.json fixture at its top) or a .toml, .json, .mbox or .eml file. Repeat the
    /// flag, or separate with commas in the variable. Users a fixture creates without a
    /// password get `password`. Without any --user and --fixtures, the built-in demo set
    /// is loaded (users alice and bob, password `password`).
    #[arg(long = "fixtures", env = "EPHEMAIL_FIXTURES", value_delimiter = ',')]
    pub fixtures: Vec<PathBuf>,

    /// Never load the built-in demo set (start with no users unless --user or
    /// --fixtures give some).
    #[arg(long, env = "EPHEMAIL_NO_DEMO")]
    pub no_demo: bool,

    /// Certificate chain (PEM) to use instead of a generated CA and leaf.
    #[arg(long, env = "EPHEMAIL_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// Private key (PEM) for --tls-cert.
    #[arg(long, env = "EPHEMAIL_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Extra DNS name or IP address for the generated certificate (repeatable).
    #[arg(long = "tls-name", env = "EPHEMAIL_TLS_NAMES", value_delimiter = ',')]
    pub tls_names: Vec<String>,

    /// Write the CA certificate (PEM) that clients must trust to this file.
    /// Without it, the CA goes to a temporary file that is removed on exit.
    #[arg(long, env = "EPHEMAIL_CA_OUT")]
    pub ca_out: Option<PathBuf>,

    /// Once listening, write JSON with the bound addresses, the CA and the users here.
    #[arg(long, env = "EPHEMAIL_READY_FILE")]
    pub ready_file: Option<PathBuf>,

    /// Serve the admin HTTP API (deliver, list, add users, reset) on ADDR.
    #[arg(long, env = "EPHEMAIL_ADMIN")]
    pub admin: Option<SocketAddr>,

    /// Refuse LOGIN and AUTHENTICATE before TLS (advertises LOGINDISABLED).
    #[arg(long, env = "EPHEMAIL_LOGIN_REQUIRES_TLS")]
    pub login_requires_tls: bool,

    /// Worker threads. The default, 1, runs everything on one thread: all IMAP work is
    /// done by one task anyway, and on small machines this gave the lowest latency;
    /// more threads spread TLS and socket work over that many threads.
    #[arg(long, env = "EPHEMAIL_THREADS", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: u16,

    /// Log filter: error, warn, info, debug (wire transcripts), trace, or a
    /// tracing directive such as `ephemail=debug`. Logs go to stderr.
    #[arg(long, env = "EPHEMAIL_LOG", default_value = "info")]
    pub log: String,
}

/// A listener address, or none.
#[derive(Debug, Clone, Copy)]
pub struct Listen(pub Option<SocketAddr>);

fn parse_listen(value: &str) -> Result<Listen, String> {
    if value.eq_ignore_ascii_case("off") || value.is_empty() {
        return Ok(Listen(None));
    }
    value
        .parse()
        .map(|addr| Listen(Some(addr)))
        .map_err(|e| format!("{e} (expected e.g. 127.0.0.1:1143, [::1]:0 or off)"))
}

fn parse_user(value: &str) -> Result<(String, String), String> {
    match value.split_once(':') {
        Some((name, password)) if !name.is_empty() => Ok((name.to_owned(), password.to_owned())),
        _ => Err("expected NAME:PASSWORD".to_owned()),
    }
}

/// What `--ready-file` holds.
#[derive(Debug, Serialize)]
pub struct ReadyInfo {
    /// Plain/STARTTLS address, e.g. `127.0.0.1:41234`, or null.
    pub imap: Option<SocketAddr>,
    /// Implicit-TLS address, or null.
    pub imaps: Option<SocketAddr>,
    /// Admin HTTP API address, or null.
    pub admin: Option<SocketAddr>,
    /// Path of the CA PEM file.
    pub ca_file: PathBuf,
    /// The CA PEM itself.
    pub ca_pem: String,
    /// The users and their passwords.
    pub users: Vec<ReadyUser>,
    /// The server's process id.
    pub pid: u32,
}

/// A user in [`ReadyInfo`].
#[derive(Debug, Serialize)]
pub struct ReadyUser {
    /// Login name.
    pub name: String,
    /// Password.
    pub password: String,
}

/// Runs `ephemail serve` until Ctrl-C or SIGTERM.
pub async fn serve(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let demo = args.users.is_empty() && args.fixtures.is_empty() && !args.no_demo;
    // Here command events feed only the wire log (nobody can subscribe to the event
    // stream): without it they would cost a string per command for nothing.
    let wire_log = tracing::enabled!(target: "ephemail::driver", tracing::Level::DEBUG);
    let mut builder: TestServerBuilder = TestServer::builder()
        .config(Config::default().with_command_events(wire_log))
        .login_requires_tls(args.login_requires_tls)
        .tls_names(args.tls_names.clone());
    builder = match args.imap.0 {
        Some(addr) => builder.imap_addr(addr),
        None => builder.no_imap(),
    };
    builder = match args.imaps.0 {
        Some(addr) => builder.imaps_addr(addr),
        None => builder.no_imaps(),
    };
    if let Some(addr) = args.admin {
        builder = builder.admin_addr(addr);
    }
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        builder = builder.tls_pem(read(cert)?, read(key)?);
    }
    for (name, password) in &args.users {
        builder = builder.user(name, password);
    }
    for path in &args.fixtures {
        builder = builder.fixtures(path);
    }
    if demo {
        builder = builder.fixture_set(crate::fixtures::demo_set()?);
    }
    let server = builder.start().await?;
    // Users come from flags and fixtures alike: the flags' users in their order, then
    // the ones fixtures created.
    let stored: Vec<(String, String)> = server
        .with_store(|store| {
            store
                .users()
                .map(|u| (u.name().to_owned(), u.password().to_owned()))
                .collect()
        })
        .await?;
    let mut users = args.users.clone();
    for user in stored {
        if !users.iter().any(|(name, _)| *name == user.0) {
            users.push(user);
        }
    }

    let (ca_file, temporary_ca) = match &args.ca_out {
        Some(path) => (path.clone(), false),
        None => {
            let dir = std::env::temp_dir().join(format!("ephemail-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            (dir.join("ca.pem"), true)
        }
    };
    write_atomically(&ca_file, server.ca_pem().as_bytes())?;

    let addresses = server.addresses();
    print_banner(&addresses, &users, &ca_file);
    if let Some(path) = &args.ready_file {
        let info = ReadyInfo {
            imap: addresses.imap,
            imaps: addresses.imaps,
            admin: addresses.admin,
            ca_file: ca_file.clone(),
            ca_pem: server.ca_pem().to_owned(),
            users: users
                .iter()
                .map(|(name, password)| ReadyUser {
                    name: name.clone(),
                    password: password.clone(),
                })
                .collect(),
            pid: std::process::id(),
        };
        write_atomically(path, serde_json::to_string_pretty(&info)?.as_bytes())?;
    }

    let signal = wait_for_signal().await;
    tracing::info!(signal, "shutting down");
    let _ = tokio::time::timeout(Duration::from_secs(5), server.shutdown()).await;
    if temporary_ca {
        if let Some(dir) = ca_file.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    if let Some(path) = &args.ready_file {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Runs `ephemail demo` until Ctrl-C or SIGTERM.
pub async fn demo(args: DemoArgs) -> Result<(), Box<dyn std::error::Error>> {
    if !args.dir.join("index.html").is_file() {
        return Err(format!(
            "{} has no index.html; build the browser demo first or pass --dir",
            args.dir.display()
        )
        .into());
    }
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    let addr = listener.local_addr()?;
    println!(
        "ephemail demo: serving {} at http://{addr}/",
        args.dir.display()
    );
    crate::demo::serve(args.dir, listener, async {
        let signal = wait_for_signal().await;
        tracing::info!(signal, "shutting down");
    })
    .await?;
    Ok(())
}

fn read(path: &Path) -> Result<String, Box<dyn std::error::Error>> {
    std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()).into())
}

fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    std::fs::write(&temporary, contents)?;
    std::fs::rename(&temporary, path)
}

fn print_banner(addresses: &Addresses, users: &[(String, String)], ca_file: &Path) {
    let show = |addr: Option<SocketAddr>| addr.map_or("off".to_owned(), |a| a.to_string());
    let users: Vec<String> = users.iter().map(|(n, p)| format!("{n}:{p}")).collect();
    // Formatted first and written at once: `println!` writes each line on its own.
    let banner = format!(
        "ephemail {} — in-memory IMAP server; all mail is lost on exit\n  \
         IMAP  (plain, STARTTLS): {}\n  \
         IMAPS (implicit TLS):    {}\n  \
         admin HTTP API:          {}\n  \
         users: {}\n  \
         CA certificate (trust it in clients): {}\n\
         Press Ctrl-C to stop.\n",
        env!("CARGO_PKG_VERSION"),
        show(addresses.imap),
        show(addresses.imaps),
        addresses
            .admin
            .map_or("off".to_owned(), |a| format!("http://{a}/api/users")),
        users.join(" "),
        ca_file.display(),
    );
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), banner.as_bytes());
}

async fn wait_for_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = terminate.recv() => "SIGTERM",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// Sets up logging to stderr with `filter`: a level, or comma-separated `target=level`
/// directives such as `ephemail=debug,warn`.
pub fn init_logging(filter: &str) -> Result<(), String> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let format = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    tracing_subscriber::registry()
        .with(format)
        .with(log_filter(filter)?)
        .try_init()
        .map_err(|e| e.to_string())
}

/// Parses `--log`. `Targets` rather than `EnvFilter`: the latter's regex engine was about
/// a tenth of the binary, resident whether or not anyone filters by span fields.
fn log_filter(filter: &str) -> Result<tracing_subscriber::filter::Targets, String> {
    filter
        .parse()
        .map_err(|e| format!("invalid --log value {filter:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::log_filter;

    #[test]
    fn log_filter_takes_a_level_or_directives() {
        let warn = log_filter("warn").unwrap();
        assert!(warn.would_enable("ephemail::driver", &Level::WARN));
        assert!(!warn.would_enable("ephemail::driver", &Level::INFO));

        let mixed = log_filter("ephemail=debug,warn").unwrap();
        assert!(mixed.would_enable("ephemail::driver", &Level::DEBUG));
        assert!(!mixed.would_enable("rustls::server", &Level::DEBUG));
        assert!(mixed.would_enable("rustls::server", &Level::WARN));

        let error = log_filter("ephemail=loud").unwrap_err();
        assert!(error.contains("invalid --log value"), "{error}");
    }
}
