//! `till`: the counter window, `till exec` / `till console`, and the technician's and
//! simulators' commands (see `till --help`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("TILL_LOG"))
        .with_writer(std::io::stderr)
        .init();
    till::cli::main(started)
}
