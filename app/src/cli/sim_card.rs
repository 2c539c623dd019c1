//! `till sim card-terminal`: a simulated ZVT card terminal on loopback TCP (bare APDUs) or on a
//! pseudo-terminal (framed, 9600 8N2), with the amount rules of `till_hardware::zvt::sim`
//! (an amount ending in .13 is declined, .51 has insufficient funds) and operator commands for
//! faults on standard input.

use crate::devices::demo::SimPty;
use std::io::BufRead;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use till_hardware::zvt::sim::{self, Fault, Shared, SimState};

/// Starts a simulated terminal in this process on a free loopback port; its `tcp://` address.
pub fn start_tcp(bind: &str) -> anyhow::Result<(String, Shared)> {
    let listener = std::net::TcpListener::bind(bind)?;
    let addr = format!("tcp://{}", listener.local_addr()?);
    let state: Shared = Arc::new(Mutex::new(SimState::default()));
    let s = state.clone();
    std::thread::Builder::new().name("till-sim-card-terminal".into()).spawn(move || sim::serve_tcp(listener, s))?;
    Ok((addr, state))
}

/// Runs the simulated terminal until `quit` or the end of input.
pub fn sim_card_terminal(tcp: Option<&str>, link: Option<&std::path::Path>) -> anyhow::Result<()> {
    let (_pty, state) = match tcp {
        Some(bind) => {
            let (addr, state) = start_tcp(bind)?;
            println!("{addr}");
            (None, state)
        }
        None => {
            let pty = SimPty::new(link)?;
            println!("{}", pty.path);
            let state: Shared = Arc::new(Mutex::new(SimState::default()));
            let mut t = till_hardware::zvt::SerialTransport::new(pty.sim_end()?);
            let s = state.clone();
            std::thread::Builder::new().name("till-sim-card-terminal".into()).spawn(move || loop {
                if sim::serve(&mut t, &s).is_err() {
                    std::thread::sleep(Duration::from_millis(200));
                }
            })?;
            (Some(pty), state)
        }
    };
    let help = "commands: drop (cut the link after the next approval) | slow SECS | busy | ok | journal | quit";
    eprintln!("simulated ZVT card terminal. Amounts ending in .13 are declined, .51 lack funds. {help}");
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
        match words.as_slice() {
            ["quit"] | ["exit"] => break,
            ["drop"] => st.fault = Fault::DropAfterApproval,
            ["slow", secs] => match secs.parse::<u64>() {
                Ok(s) => st.fault = Fault::Slow(Duration::from_secs(s)),
                Err(_) => println!("{help}"),
            },
            ["busy"] => st.fault = Fault::Busy,
            ["ok"] => st.fault = Fault::None,
            ["journal"] => {
                for t in &st.journal {
                    println!(
                        "receipt {} trace {} {:?} {} {}",
                        t.receipt,
                        t.trace,
                        t.kind,
                        t.amount_minor,
                        if t.stands { "stands" } else { "reversed" }
                    );
                }
            }
            [] => {}
            _ => println!("{help}"),
        }
    }
    Ok(())
}
