//! A simulated ZVT card terminal (the PT side), for demos and tests: it approves or declines by
//! amount, keeps a journal like a terminal's, reverses a payment whose status information was not
//! answered positively, and can be told to misbehave.
//!
//! Amount rules (minor units): ending in 13 declined (05), ending in 51 insufficient funds (33),
//! zero wrong amount (B7), above 10 000.00 maximum exceeded (C3); everything else is approved.

use super::apdu::Apdu;
use super::bmp;
use super::link::{LinkError, Transport};
use super::msg::{StatusInfo, EUR};
use crate::bcd;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the simulator is told to do wrong with the next transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    #[default]
    None,
    /// Close the connection right after sending an approving status information (once).
    DropAfterApproval,
    /// Approve, then close the connection before the status information is sent (once): the
    /// terminal reverses the payment it could not report.
    DropBeforeStatus,
    /// Take the till's answer, then close the connection before the completion (once).
    DropAfterAnswer,
    /// Wait this long before the status information.
    Slow(Duration),
    /// Refuse every command with `84 83`.
    Busy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Payment,
    Refund,
    Reversal,
    /// A fuel reservation (`06 22`): `stands` while it is open (not booked or released).
    Reservation,
    /// The booking of a reservation (`06 24`): what the card is charged.
    Booking,
}

/// One transaction in the terminal's journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimTx {
    pub kind: Kind,
    pub receipt: u16,
    pub trace: u32,
    pub amount_minor: u64,
    /// Approved and not reversed (for a payment), done (for a refund or reversal).
    pub stands: bool,
    pub original_trace: Option<u32>,
}

#[derive(Debug)]
pub struct SimState {
    pub journal: Vec<SimTx>,
    pub fault: Fault,
    /// Receipts since the last end-of-day start here.
    pub day_start: usize,
    next_receipt: u16,
    next_trace: u32,
    /// While set, the terminal is "rebooting" and takes no connections.
    pub down_until: Option<Instant>,
    /// For each approving status information: how long the till took to answer it, from the
    /// message sent to the answer read (what the terminal sees of the till's commit).
    pub answer_times: Vec<Duration>,
}

impl Default for SimState {
    fn default() -> Self {
        SimState {
            journal: Vec::new(),
            fault: Fault::None,
            day_start: 0,
            next_receipt: 1,
            next_trace: 1,
            down_until: None,
            answer_times: Vec::new(),
        }
    }
}

impl SimState {
    /// Journals a new transaction under the next receipt and trace numbers.
    fn record(&mut self, kind: Kind, amount_minor: u64, stands: bool, original_trace: Option<u32>) -> SimTx {
        let tx =
            SimTx { kind, receipt: self.next_receipt, trace: self.next_trace, amount_minor, stands, original_trace };
        self.next_receipt = self.next_receipt % 9999 + 1;
        self.next_trace = self.next_trace % 999_999 + 1;
        self.journal.push(tx.clone());
        tx
    }
}

pub type Shared = Arc<Mutex<SimState>>;

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, SimState> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

/// The result code the amount rules give.
pub fn rule(amount_minor: u64) -> u8 {
    match amount_minor {
        0 => 0xB7,
        a if a > 1_000_000 => 0xC3,
        a if a % 100 == 13 => 0x05,
        a if a % 100 == 51 => 0x33,
        _ => 0x00,
    }
}

struct Pt<'a> {
    t: &'a mut dyn Transport,
    aborted: bool,
}

/// How long the simulator waits for the till's acknowledgement.
const ACK_WAIT: Duration = Duration::from_secs(5);

impl Pt<'_> {
    /// Sends a message and waits for the till's answer to it; an `06 B0` seen meanwhile is
    /// remembered as the till's abort.
    fn say(&mut self, a: &Apdu, wait: Duration) -> Result<Option<Apdu>, LinkError> {
        self.t.send(a)?;
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Some(r) = self.t.recv(left)? else { return Ok(None) };
            if r.command() == [0x06, 0xB0] {
                self.aborted = true;
                self.t.send(&Apdu::ack())?;
                continue;
            }
            return Ok(Some(r));
        }
    }

    fn ack_wait(&mut self, a: &Apdu) -> Result<(), LinkError> {
        self.say(a, ACK_WAIT).map(|_| ())
    }

    /// Waits `d`, taking an abort from the till meanwhile.
    fn pause(&mut self, d: Duration) -> Result<(), LinkError> {
        let deadline = Instant::now() + d;
        while !self.aborted {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            if let Some(r) = self.t.recv(left.min(Duration::from_millis(50)))? {
                if r.command() == [0x06, 0xB0] {
                    self.aborted = true;
                    self.t.send(&Apdu::ack())?;
                }
            }
        }
        Ok(())
    }

    fn abort(&mut self, code: u8) -> Result<(), LinkError> {
        self.ack_wait(&Apdu::new(0x06, 0x1E, vec![code]))
    }

    fn complete(&mut self) -> Result<(), LinkError> {
        self.ack_wait(&Apdu::new(0x06, 0x0F, vec![]))
    }

    fn print(&mut self, lines: &[String]) -> Result<(), LinkError> {
        for l in lines {
            let mut d = vec![0x00];
            d.extend(l.as_bytes());
            self.ack_wait(&Apdu::new(0x06, 0xD1, d))?;
        }
        Ok(())
    }
}

fn fields(data: &[u8]) -> Vec<(u8, Vec<u8>)> {
    bmp::parse(data).unwrap_or_default()
}

fn field_num(f: &[(u8, Vec<u8>)], tag: u8) -> Option<u64> {
    f.iter().find(|(t, _)| *t == tag).and_then(|(_, v)| bcd::decode(v).ok())
}

fn status_of(tx: &SimTx, result: u8) -> StatusInfo {
    StatusInfo {
        result: Some(result),
        amount_minor: Some(tx.amount_minor),
        currency: Some(EUR),
        trace: Some(tx.trace),
        receipt: Some(tx.receipt),
        original_trace: tx.original_trace,
        terminal_id: Some("52500017".into()),
        pan: Some("************4242".into()),
        card_type: Some(10),
        card_name: Some("VISA".into()),
        auth_code: Some(format!("{:06}", tx.trace)),
        ..StatusInfo::default()
    }
}

/// Serves one connection until the till closes it (or a fault drops it).
pub fn serve(t: &mut dyn Transport, state: &Shared) -> Result<(), LinkError> {
    let mut pt = Pt { t, aborted: false };
    loop {
        let Some(cmd) = (match pt.t.recv(Duration::from_secs(3600)) {
            Err(LinkError::Closed) => return Ok(()),
            other => other?,
        }) else {
            continue;
        };
        pt.aborted = false;
        if lock(state).fault == Fault::Busy {
            pt.t.send(&Apdu::nak(0x83))?;
            continue;
        }
        match cmd.command() {
            [0x06, 0x00] | [0x06, 0x02] => {
                pt.t.send(&Apdu::ack())?;
                if cmd.instr == 0x00 {
                    pt.complete()?;
                }
            }
            [0x06, 0x24] | [0x06, 0x25] => {
                pt.t.send(&Apdu::ack())?;
                let f = fields(&cmd.data);
                let receipt = field_num(&f, 0x87).unwrap_or(0);
                let used = if cmd.instr == 0x24 { field_num(&f, 0x04) } else { Some(0) };
                settle_reservation(&mut pt, state, receipt, used)?;
            }
            [0x06, 0x23] => {
                pt.t.send(&Apdu::ack())?;
                let f = fields(&cmd.data);
                if f.iter().any(|(t, v)| *t == 0x87 && v.as_slice() == [0xFF, 0xFF]) {
                    let open: Vec<SimTx> = lock(state)
                        .journal
                        .iter()
                        .filter(|t| t.kind == Kind::Reservation && t.stands)
                        .cloned()
                        .collect();
                    for tx in &open {
                        pt.ack_wait(&Apdu::new(0x04, 0x0F, status_of(tx, 0).encode()))?;
                    }
                    pt.complete()?;
                } else {
                    // A partial reversal by receipt: not simulated.
                    pt.abort(0x83)?;
                }
            }
            [0x06, 0x01] | [0x06, 0x31] | [0x06, 0x22] => {
                let kind = match cmd.instr {
                    0x31 => Kind::Refund,
                    0x22 => Kind::Reservation,
                    _ => Kind::Payment,
                };
                let data = if kind == Kind::Refund { cmd.data.get(3..).unwrap_or_default() } else { &cmd.data };
                let f = fields(data);
                let amount = field_num(&f, 0x04).unwrap_or(0);
                let answer_secs = f.iter().find(|(t, _)| *t == 0x01).and_then(|(_, v)| v.first().copied());
                if !pay(&mut pt, state, kind, amount, answer_secs)? {
                    return Ok(());
                }
            }
            [0x06, 0x30] => {
                pt.t.send(&Apdu::ack())?;
                let f = fields(cmd.data.get(3..).unwrap_or_default());
                let receipt = field_num(&f, 0x87).unwrap_or(0);
                reverse(&mut pt, state, receipt)?;
            }
            [0x06, 0x20] => {
                pt.t.send(&Apdu::ack())?;
                let last = lock(state).journal.last().cloned();
                match last {
                    Some(tx) => {
                        // A payment the terminal reversed itself is shown as reversed (B4).
                        let reversed = tx.kind == Kind::Payment && !tx.stands;
                        let s = status_of(&tx, if reversed { 0xB4 } else { 0 });
                        pt.ack_wait(&Apdu::new(0x04, 0x0F, s.encode()))?;
                        pt.complete()?;
                    }
                    None => pt.abort(0x83)?,
                }
            }
            [0x05, 0x01] => {
                pt.t.send(&Apdu::ack())?;
                let s = StatusInfo { result: Some(0), terminal_id: Some("52500017".into()), ..Default::default() };
                pt.ack_wait(&Apdu::new(0x04, 0x0F, s.encode()))?;
                pt.complete()?;
            }
            [0x06, 0x50] => {
                pt.t.send(&Apdu::ack())?;
                end_of_day(&mut pt, state)?;
            }
            [0x06, 0xB0] => pt.t.send(&Apdu::ack())?,
            _ => pt.t.send(&Apdu::nak(0x83))?,
        }
    }
}

/// A payment or refund; false when a fault dropped the connection.
fn pay(pt: &mut Pt, state: &Shared, kind: Kind, amount: u64, answer_secs: Option<u8>) -> Result<bool, LinkError> {
    pt.t.send(&Apdu::ack())?;
    pt.ack_wait(&Apdu::new(0x04, 0xFF, vec![0x0A]))?;
    let fault = lock(state).fault;
    if let Fault::Slow(d) = fault {
        pt.pause(d)?;
    }
    if pt.aborted {
        pt.abort(0x6C)?;
        return Ok(true);
    }
    pt.ack_wait(&Apdu::new(0x04, 0xFF, vec![0x17]))?;
    let rc = rule(amount);
    if rc != 0 {
        let s = StatusInfo { result: Some(rc), amount_minor: Some(amount), ..Default::default() };
        pt.ack_wait(&Apdu::new(0x04, 0x0F, s.encode()))?;
        pt.abort(rc)?;
        return Ok(true);
    }
    let tx = {
        let mut st = lock(state);
        st.record(kind, amount, false, None)
    };
    let status = Apdu::new(0x04, 0x0F, status_of(&tx, 0).encode());
    if fault == Fault::DropBeforeStatus {
        lock(state).fault = Fault::None;
        return Ok(false);
    }
    if fault == Fault::DropAfterApproval {
        pt.t.send(&status)?;
        lock(state).fault = Fault::None;
        // The link is gone before any answer: the terminal reverses the payment.
        return Ok(false);
    }
    let wait = Duration::from_secs(u64::from(answer_secs.unwrap_or(30)));
    let mut stands = false;
    loop {
        let asked = Instant::now();
        let answer = pt.say(&status, wait)?;
        if answer.is_some() {
            lock(state).answer_times.push(asked.elapsed());
        }
        match answer {
            Some(a) if a.is_positive() => stands = true,
            // "Please wait": asked again after 2 s.
            Some(a) if a.negative_code() == Some(0x9C) => {
                std::thread::sleep(Duration::from_secs(2));
                continue;
            }
            _ => {}
        }
        break;
    }
    if let Some(t) = lock(state).journal.iter_mut().rev().find(|t| t.trace == tx.trace) {
        t.stands = stands;
    }
    if fault == Fault::DropAfterAnswer {
        lock(state).fault = Fault::None;
        return Ok(false);
    }
    if stands {
        let kind_line = if kind == Kind::Refund { "REFUND" } else { "CARD PAYMENT" };
        let lines = [
            kind_line.to_string(),
            format!("EUR {}.{:02}", amount / 100, amount % 100),
            "VISA ************4242".to_string(),
            format!("Receipt {:04}  Trace {:06}", tx.receipt, tx.trace),
        ];
        pt.print(&lines)?;
        pt.complete()?;
    } else {
        pt.abort(0x6C)?;
    }
    Ok(true)
}

fn reverse(pt: &mut Pt, state: &Shared, receipt: u64) -> Result<(), LinkError> {
    let found = {
        let st = lock(state);
        st.journal.iter().rposition(|t| t.kind == Kind::Payment && u64::from(t.receipt) == receipt)
    };
    // Only a payment of the day (since the last end-of-day) can be reversed.
    let Some(i) = found.filter(|i| *i >= lock(state).day_start) else { return pt.abort(0xB5) };
    let orig = lock(state).journal[i].clone();
    if !orig.stands {
        let s = StatusInfo { result: Some(0xB4), receipt: Some(orig.receipt), ..Default::default() };
        pt.ack_wait(&Apdu::new(0x04, 0x0F, s.encode()))?;
        return pt.abort(0xB4);
    }
    let tx = {
        let mut st = lock(state);
        st.journal[i].stands = false;
        st.record(Kind::Reversal, orig.amount_minor, true, Some(orig.trace))
    };
    pt.ack_wait(&Apdu::new(0x04, 0x0F, status_of(&tx, 0).encode()))?;
    pt.print(&["REVERSAL".to_string(), format!("Receipt {:04}", tx.receipt)])?;
    pt.complete()
}

/// Books (`used`: the amount filled) or releases (`used` 0) an open reservation by its receipt.
fn settle_reservation(pt: &mut Pt, state: &Shared, receipt: u64, used: Option<u64>) -> Result<(), LinkError> {
    let found = {
        let st = lock(state);
        st.journal.iter().rposition(|t| t.kind == Kind::Reservation && t.stands && u64::from(t.receipt) == receipt)
    };
    // Not open (booked, released, or never made): a pre-authorisation error.
    let Some(i) = found else { return pt.abort(0xB8) };
    let orig = lock(state).journal[i].clone();
    let Some(used) = used.filter(|u| *u <= orig.amount_minor) else { return pt.abort(0xB7) };
    let tx = {
        let mut st = lock(state);
        st.journal[i].stands = false;
        st.record(Kind::Booking, used, used > 0, Some(orig.trace))
    };
    pt.ack_wait(&Apdu::new(0x04, 0x0F, status_of(&tx, 0).encode()))?;
    let what = if used > 0 { "FUEL" } else { "RESERVATION RELEASED" };
    pt.print(&[
        what.to_string(),
        format!("EUR {}.{:02}", used / 100, used % 100),
        format!("Receipt {:04}", tx.receipt),
    ])?;
    pt.complete()
}

/// The day's net card total (payments standing, less refunds) and count since the last
/// end-of-day, as a terminal's end-of-day reports it; starts a new day.
fn end_of_day(pt: &mut Pt, state: &Shared) -> Result<(), LinkError> {
    let (first, last, count, total) = {
        let mut st = lock(state);
        let day = &st.journal[st.day_start.min(st.journal.len())..];
        let mut total: i64 = 0;
        let mut count = 0u8;
        for t in day {
            match (t.kind, t.stands) {
                (Kind::Payment | Kind::Booking, true) => {
                    total += t.amount_minor as i64;
                    count = count.saturating_add(1);
                }
                (Kind::Refund, true) => {
                    total -= t.amount_minor as i64;
                    count = count.saturating_add(1);
                }
                _ => {}
            }
        }
        let first = day.first().map(|t| t.receipt).unwrap_or(0);
        let last = day.last().map(|t| t.receipt).unwrap_or(0);
        st.day_start = st.journal.len();
        (first, last, count, total.max(0) as u64)
    };
    // BMP 60: receipt from, receipt to, then count and turnover per scheme (all as VISA here).
    let mut totals = Vec::new();
    totals.extend(bcd::encode(u64::from(first), 2).unwrap_or_default());
    totals.extend(bcd::encode(u64::from(last), 2).unwrap_or_default());
    for scheme in 0..7 {
        let (n, a) = if scheme == 4 { (count, total) } else { (0, 0) };
        totals.push(n);
        totals.extend(bcd::encode(a, 6).unwrap_or_default());
    }
    let s = StatusInfo { result: Some(0), amount_minor: Some(total), totals: Some(totals), ..Default::default() };
    pt.ack_wait(&Apdu::new(0x04, 0x0F, s.encode()))?;
    pt.print(&["END OF DAY".to_string(), format!("Total EUR {}.{:02}", total / 100, total % 100)])?;
    pt.complete()
}

/// Serves a TCP listener, one connection at a time (as a terminal does).
pub fn serve_tcp(listener: std::net::TcpListener, state: Shared) {
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        if lock(&state).down_until.is_some_and(|t| Instant::now() < t) {
            continue;
        }
        let _ = conn.set_nodelay(true);
        let mut t = super::link::TcpTransport::new(conn);
        let _ = serve(&mut t, &state);
    }
}
