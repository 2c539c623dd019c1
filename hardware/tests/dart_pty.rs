//! The DART master against the simulated pumps over a real pseudo-terminal: bytes on a tty, not
//! function calls.

use serialport::{SerialPort, TTYPort};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use till_hardware::dart::app::{Dcc, PosCommand, PumpReply, PumpStatus};
use till_hardware::dart::master::{Master, MasterError};
use till_hardware::dart::sim::{serve, SimBus, SimPump};

struct Sim {
    bus: Arc<Mutex<SimBus>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts the simulated pumps on one end of a pty; returns the other end for the master.
fn start(pumps: Vec<SimPump>) -> (Master<TTYPort>, Sim) {
    let (mut master_end, mut sim_end) = TTYPort::pair().expect("pty pair");
    master_end.set_timeout(Duration::from_millis(2)).expect("timeout");
    sim_end.set_timeout(Duration::from_millis(2)).expect("timeout");
    let bus = Arc::new(Mutex::new(SimBus::new(pumps)));
    let stop = Arc::new(AtomicBool::new(false));
    let (b, s) = (bus.clone(), stop.clone());
    let thread = std::thread::spawn(move || serve(&mut sim_end, &b, &s, Duration::from_millis(10)));
    let mut master = Master::new(master_end);
    master.reply_timeout = Duration::from_millis(40);
    (master, Sim { bus, stop, thread: Some(thread) })
}

/// Polls until `until` holds for a reply, collecting everything said on the way.
fn poll_until(m: &mut Master<TTYPort>, addr: u8, until: impl Fn(&PumpReply) -> bool) -> Vec<PumpReply> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(replies) = m.poll(addr) {
            let done = replies.iter().any(&until);
            seen.extend(replies);
            if done {
                return seen;
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("pump {addr:#04X} never said what was expected; it said {seen:?}");
}

fn program(m: &mut Master<TTYPort>, addr: u8) {
    m.send(addr, &[PosCommand::Prices(vec![1739, 1659])]).expect("prices");
    poll_until(m, addr, |r| *r == PumpReply::Status(PumpStatus::FillingCompleted));
    m.send(addr, &[PosCommand::Command(Dcc::Reset)]).expect("reset");
    poll_until(m, addr, |r| *r == PumpReply::Status(PumpStatus::Reset));
}

#[test]
fn preset_20_authorize_fill_to_exactly_20_over_a_pty() {
    let (mut m, sim) = start(vec![SimPump::new(0x50, 2), SimPump::new(0x51, 2)]);
    program(&mut m, 0x50);
    m.send(0x50, &[PosCommand::PresetAmount(2000), PosCommand::Command(Dcc::Authorize)]).expect("preset + authorize");
    poll_until(&mut m, 0x50, |r| *r == PumpReply::Status(PumpStatus::Authorized));
    sim.bus.lock().unwrap().pump_mut(0x50).unwrap().lift(1);
    let seen = poll_until(&mut m, 0x50, |r| *r == PumpReply::Status(PumpStatus::MaxReached));
    assert!(seen.contains(&PumpReply::Status(PumpStatus::Filling)), "the pump was seen filling: {seen:?}");
    assert!(seen.iter().any(|r| matches!(r, PumpReply::Nozzle { nozzle: 1, out: true, .. })), "calling seen");
    let last = seen.iter().rev().find_map(|r| match r {
        PumpReply::Filling { volume, amount } => Some((*volume, *amount)),
        _ => None,
    });
    assert_eq!(last, Some((1150, 2000)), "11.50 l for exactly 20.00");
    // The other pump on the same line was never touched.
    assert_eq!(sim.bus.lock().unwrap().pump_mut(0x51).unwrap().status, PumpStatus::NotProgrammed);
    // Totals over the line.
    m.send(0x50, &[PosCommand::RequestTotals(9)]).unwrap();
    let t = poll_until(&mut m, 0x50, |r| matches!(r, PumpReply::Totals { .. }));
    assert!(t.contains(&PumpReply::Totals { counter: 9, volume: 1150, amount: 2000, third: 0 }));
}

#[test]
fn corrupted_frames_never_become_amounts_and_a_silent_pump_goes_offline_and_back() {
    let (mut m, sim) = start(vec![SimPump::new(0x50, 1)]);
    sim.bus.lock().unwrap().faults.bad_crc_every = 20; // 5 % of the pumps' data frames
    m.send(0x50, &[PosCommand::Prices(vec![1659])]).unwrap();
    poll_until(&mut m, 0x50, |r| *r == PumpReply::Status(PumpStatus::FillingCompleted));
    m.send(0x50, &[PosCommand::Command(Dcc::Reset)]).unwrap();
    poll_until(&mut m, 0x50, |r| *r == PumpReply::Status(PumpStatus::Reset));
    m.send(0x50, &[PosCommand::PresetAmount(5000), PosCommand::Command(Dcc::Authorize)]).unwrap();
    {
        let mut bus = sim.bus.lock().unwrap();
        let p = bus.pump_mut(0x50).unwrap();
        p.flow_per_tick = 7;
        p.lift(1);
    }
    let seen = poll_until(&mut m, 0x50, |r| *r == PumpReply::Status(PumpStatus::MaxReached));
    let mut last = (0, 0);
    for r in &seen {
        if let PumpReply::Filling { volume, amount } = *r {
            // Every amount that got through is the right one for its volume (the last one is the
            // preset itself, where the pump stops), and they only grow.
            if amount < 5000 {
                assert_eq!(amount, ((u64::from(volume) * 1659 + 500) / 1000) as u32, "{volume} -> {amount}");
            }
            assert!((volume, amount) >= last);
            last = (volume, amount);
        }
    }
    assert_eq!(last.1, 5000);
    assert!(m.stats.frames_rejected > 0, "corruption was injected and caught: {:?}", m.stats);

    // Silence: the poll fails within the reply timeout and its retries (well under a second).
    sim.bus.lock().unwrap().faults.silent.push(0x50);
    let t = Instant::now();
    assert!(matches!(m.poll(0x50), Err(MasterError::Timeout { address: 0x50, .. })));
    assert!(t.elapsed() < Duration::from_secs(1), "offline seen in {:?}", t.elapsed());
    sim.bus.lock().unwrap().faults.silent.clear();
    m.send(0x50, &[PosCommand::Command(Dcc::ReturnStatus)]).unwrap();
    poll_until(&mut m, 0x50, |r| matches!(r, PumpReply::Status(_)));
}

#[test]
fn duplicate_blocks_are_taken_once_and_slow_pumps_within_the_timeout_are_served() {
    let (mut m, sim) = start(vec![SimPump::new(0x50, 1)]);
    {
        let mut bus = sim.bus.lock().unwrap();
        bus.faults.duplicate_every = 2;
        bus.faults.lose_ack_every = 3;
        bus.faults.reply_delay = Duration::from_millis(15);
    }
    program(&mut m, 0x50);
    // Each state change is reported exactly once even though every other block comes twice.
    m.send(0x50, &[PosCommand::Command(Dcc::Authorize)]).unwrap();
    let seen = poll_until(&mut m, 0x50, |r| *r == PumpReply::Status(PumpStatus::Authorized));
    assert_eq!(seen.iter().filter(|r| **r == PumpReply::Status(PumpStatus::Authorized)).count(), 1);
    for _ in 0..6 {
        let _ = m.poll(0x50);
    }
    m.send(0x50, &[PosCommand::Command(Dcc::ReturnStatus)]).unwrap();
    let seen = poll_until(&mut m, 0x50, |r| matches!(r, PumpReply::Status(_)));
    assert_eq!(seen.iter().filter(|r| matches!(r, PumpReply::Status(_))).count(), 1, "{seen:?}");
    assert!(m.stats.duplicates > 0, "{:?}", m.stats);
}
