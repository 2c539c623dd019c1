//! The till's ZVT side against the simulated terminal over loopback TCP and over a real
//! pseudo-terminal: approvals, declines, the till's abort and "goods not issued", a link dropped
//! after approval and the resynchronisation, reversal, refund, end-of-day.

use serialport::{SerialPort, TTYPort};
use std::net::TcpListener;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use till_hardware::zvt::ecr::EcrError;
use till_hardware::zvt::link::LinkError;
use till_hardware::zvt::msg::{self, EUR, SERVICE_STATUS_NO_PRINT};
use till_hardware::zvt::sim::{self, Fault, Kind, Shared, SimState};
use till_hardware::zvt::{transact, Answer, Ending, Progress, SerialTransport, TcpTransport, Transport};

const PW: u32 = 0;

fn tcp_sim() -> (String, Shared) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let state: Shared = Arc::new(Mutex::new(SimState::default()));
    let s = state.clone();
    std::thread::spawn(move || sim::serve_tcp(listener, s));
    (addr, state)
}

fn connect(addr: &str) -> TcpTransport<std::net::TcpStream> {
    TcpTransport::connect(addr, Duration::from_secs(2)).unwrap()
}

fn run(
    t: &mut dyn Transport,
    cmd: &till_hardware::zvt::Apdu,
    answer: Answer,
) -> (Result<Ending, EcrError>, Vec<Progress>) {
    let mut seen = Vec::new();
    let r = transact(t, cmd, None, &mut |p| seen.push(p), &mut |_| answer);
    (r, seen)
}

fn pay(t: &mut dyn Transport, minor: u64) -> Ending {
    run(t, &msg::authorization(minor, EUR, None, Some(30)).unwrap(), Answer::Issued).0.unwrap()
}

fn standing(state: &Shared) -> Vec<(Kind, u64)> {
    state.lock().unwrap().journal.iter().filter(|t| t.stands).map(|t| (t.kind, t.amount_minor)).collect()
}

#[test]
fn a_card_sale_over_tcp() {
    let (addr, state) = tcp_sim();
    let mut t = connect(&addr);
    let reg = run(&mut t, &msg::registration(PW, msg::CFG_INTERMEDIATE_STATUS, EUR).unwrap(), Answer::Issued);
    assert!(reg.0.unwrap().refused.is_none());
    let (end, seen) = run(&mut t, &msg::authorization(4250, EUR, Some(3), Some(30)).unwrap(), Answer::Issued);
    let end = end.unwrap();
    assert!(end.approved(), "{end:?}");
    let s = end.status.clone().unwrap();
    assert_eq!(s.amount_minor, Some(4250));
    assert_eq!(s.pan.as_deref(), Some("************4242"));
    assert!(s.receipt.is_some() && s.trace.is_some() && s.auth_code.is_some());
    assert!(seen.contains(&Progress::Status(0x0A)), "{seen:?}");
    assert!(end.lines.iter().any(|l| l.contains("42.50")), "{:?}", end.lines);
    assert_eq!(standing(&state), vec![(Kind::Payment, 4250)]);
}

#[test]
fn a_card_sale_over_a_pty() {
    let (mut ecr_end, mut pt_end) = TTYPort::pair().expect("pty pair");
    ecr_end.set_timeout(Duration::from_millis(5)).unwrap();
    pt_end.set_timeout(Duration::from_millis(5)).unwrap();
    let state: Shared = Arc::new(Mutex::new(SimState::default()));
    let s = state.clone();
    std::thread::spawn(move || {
        let mut t = SerialTransport::new(pt_end);
        let _ = sim::serve(&mut t, &s);
    });
    let mut t = SerialTransport::new(ecr_end);
    let end = pay(&mut t, 1999);
    assert!(end.approved(), "{end:?}");
    assert_eq!(end.status.unwrap().amount_minor, Some(1999));
    let end = pay(&mut t, 1013);
    assert!(!end.approved());
    assert_eq!(end.aborted, Some(0x05));
    assert_eq!(standing(&state), vec![(Kind::Payment, 1999)]);
}

#[test]
fn declines_by_the_amount_rules_take_nothing() {
    let (addr, state) = tcp_sim();
    let mut t = connect(&addr);
    for (minor, code) in [(1013, 0x05), (2051, 0x33), (0, 0xB7), (1_000_001, 0xC3)] {
        let end = pay(&mut t, minor);
        assert!(!end.approved(), "{minor}");
        assert_eq!(end.code(), Some(code), "{minor}");
    }
    assert!(standing(&state).is_empty());
}

#[test]
fn goods_not_issued_makes_the_terminal_reverse() {
    let (addr, state) = tcp_sim();
    let mut t = connect(&addr);
    let (end, _) = run(&mut t, &msg::authorization(500, EUR, None, Some(30)).unwrap(), Answer::NotIssued(0x66));
    let end = end.unwrap();
    assert!(!end.approved());
    assert_eq!(end.answer, Some(Answer::NotIssued(0x66)));
    assert!(standing(&state).is_empty(), "{:?}", state.lock().unwrap().journal);
}

#[test]
fn the_tills_abort_stops_a_slow_payment() {
    let (addr, state) = tcp_sim();
    state.lock().unwrap().fault = Fault::Slow(Duration::from_secs(20));
    let mut t = connect(&addr);
    let abort = AtomicBool::new(true);
    let cmd = msg::authorization(700, EUR, None, Some(30)).unwrap();
    let mut seen = Vec::new();
    let end = transact(&mut t, &cmd, Some(&abort), &mut |p| seen.push(p), &mut |_| Answer::Issued).unwrap();
    assert_eq!(end.aborted, Some(0x6C));
    assert!(seen.contains(&Progress::AbortSent));
    assert!(standing(&state).is_empty());
}

#[test]
fn a_link_dropped_after_approval_is_resolved_by_asking_the_terminal() {
    let (addr, state) = tcp_sim();
    let mut t = connect(&addr);
    let before = pay(&mut t, 1200).status.unwrap().receipt.unwrap();
    state.lock().unwrap().fault = Fault::DropAfterApproval;
    let (r, _) = run(&mut t, &msg::authorization(3000, EUR, None, Some(30)).unwrap(), Answer::Issued);
    assert!(matches!(r, Err(EcrError::Link(LinkError::Closed))), "{r:?}");
    // Never the same authorization again: reconnect and ask for the last transaction.
    let mut t = connect(&addr);
    let end = run(&mut t, &msg::repeat_receipt(PW, SERVICE_STATUS_NO_PRINT).unwrap(), Answer::Issued).0.unwrap();
    let last = end.status.unwrap();
    assert_ne!(last.receipt, Some(before), "the terminal shows the payment that was cut off");
    assert_eq!(last.amount_minor, Some(3000));
    assert_eq!(last.result, Some(0xB4), "unanswered, so reversed by the terminal");
    assert_eq!(standing(&state), vec![(Kind::Payment, 1200)]);
}

#[test]
fn reversal_refund_and_end_of_day() {
    let (addr, state) = tcp_sim();
    let mut t = connect(&addr);
    let a = pay(&mut t, 1000).status.unwrap();
    pay(&mut t, 2500);
    let rev = run(&mut t, &msg::reversal(PW, a.receipt.unwrap()).unwrap(), Answer::Issued).0.unwrap();
    assert!(rev.approved(), "{rev:?}");
    assert_eq!(rev.status.unwrap().original_trace, a.trace);
    let again = run(&mut t, &msg::reversal(PW, a.receipt.unwrap()).unwrap(), Answer::Issued).0.unwrap();
    assert_eq!(again.code(), Some(0xB4), "already reversed");
    let refund = run(&mut t, &msg::refund(PW, 400, EUR).unwrap(), Answer::Issued).0.unwrap();
    assert!(refund.approved(), "{refund:?}");
    let eod = run(&mut t, &msg::end_of_day(PW).unwrap(), Answer::Issued).0.unwrap();
    assert_eq!(eod.status.as_ref().unwrap().amount_minor, Some(2500 - 400));
    assert!(eod.status.unwrap().totals.is_some());
    let next = run(&mut t, &msg::end_of_day(PW).unwrap(), Answer::Issued).0.unwrap();
    assert_eq!(next.status.unwrap().amount_minor, Some(0), "a new day starts empty");
    assert_eq!(standing(&state).len(), 3, "payment, reversal, refund");
}

#[test]
fn a_busy_terminal_refuses_and_nothing_is_taken() {
    let (addr, state) = tcp_sim();
    state.lock().unwrap().fault = Fault::Busy;
    let mut t = connect(&addr);
    let end = pay(&mut t, 1000);
    assert_eq!(end.refused, Some(0x83));
    assert!(!end.approved());
    assert!(standing(&state).is_empty());
}

#[test]
fn a_damaged_frame_is_refused_with_nak_and_taken_when_repeated() {
    use std::io::{Read, Write};
    use till_hardware::zvt::frame::{frame, ACK, NAK};
    let (mut ecr_end, mut pt_end) = TTYPort::pair().expect("pty pair");
    ecr_end.set_timeout(Duration::from_millis(5)).unwrap();
    pt_end.set_timeout(Duration::from_millis(500)).unwrap();
    let mut t = SerialTransport::new(ecr_end);
    let good = frame(&[0x04, 0xFF, 0x01, 0x0A]);
    let mut bad = good.clone();
    bad[4] ^= 0x40;
    pt_end.write_all(&bad).unwrap();
    assert_eq!(t.recv(Duration::from_millis(300)).unwrap(), None);
    let mut b = [0u8; 1];
    pt_end.read_exact(&mut b).unwrap();
    assert_eq!(b[0], NAK);
    pt_end.write_all(&good).unwrap();
    let got = t.recv(Duration::from_secs(2)).unwrap().unwrap();
    assert_eq!(got.command(), [0x04, 0xFF]);
    pt_end.read_exact(&mut b).unwrap();
    assert_eq!(b[0], ACK);
    // A sender whose frame is NAKed repeats it; unanswered, it gives up after the repeats.
    let sender = std::thread::spawn(move || t.send(&till_hardware::zvt::Apdu::ack()).map(|_| t));
    let mut buf = vec![0u8; 64];
    let n = pt_end.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], &frame(&[0x80, 0x00, 0x00])[..]);
    pt_end.write_all(&[NAK]).unwrap();
    let n = pt_end.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], &frame(&[0x80, 0x00, 0x00])[..], "repeated after NAK");
    pt_end.write_all(&[ACK]).unwrap();
    assert!(sender.join().unwrap().is_ok());
}
