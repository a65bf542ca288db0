//! The `ephemail` binary; see `ephemail --help`.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use ephemail::cli::{self, Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (log, threads) = match &cli.command {
        Command::Serve(args) => (args.log.as_str(), args.threads),
        Command::Demo(args) => (args.log.as_str(), 1),
    };
    if let Err(error) = cli::init_logging(log) {
        eprintln!("ephemail: {error}");
        return ExitCode::from(2);
    }
    let mut builder = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(usize::from(threads));
        builder
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("ephemail: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Serve(args) => runtime.block_on(cli::serve(args)),
        Command::Demo(args) => runtime.block_on(cli::demo(args)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ephemail: {error}");
            ExitCode::FAILURE
        }
    }
}
