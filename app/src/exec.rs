//! Headless sessions: JSON Lines in, one JSON line out per command, flushed before the next
//! command is read. The answer's effects are carried out at the devices the session has
//! (the pumps, with `[forecourt]` configured) by the same executor the window uses.

use crate::effects::{Executor, Report};
use crate::service::{Command, Effect, Outcome, Refusal, ServiceError, Session};
use serde_json::{json, Value};
use std::io::{BufRead, Write};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// Parses one input line into a command. `None` for a blank line.
pub fn parse(line: &str) -> Option<Result<Command, String>> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    Some(serde_json::from_str(line).map_err(|e| format!("not a valid command: {e}")))
}

/// The JSON answer to a command's result.
pub fn to_json(result: &Result<Outcome, ServiceError>) -> Value {
    match result {
        Ok(outcome) => {
            let mut m = serde_json::Map::new();
            m.insert("ok".into(), Value::Bool(true));
            if let Ok(Value::Object(fields)) = serde_json::to_value(outcome) {
                m.extend(fields);
            }
            Value::Object(m)
        }
        Err(e) => json!({ "ok": false, "error": e.to_string(), "code": e.message().key }),
    }
}

/// Runs a whole script with no devices. Returns an error only when the input or output itself
/// fails.
pub fn run(session: &mut Session, input: impl BufRead, out: impl Write) -> anyhow::Result<()> {
    Ok(Runner::new(session, Executor::default())?.run(input, out, || {})?)
}

/// A headless session with its devices: answers commands, carries out their effects and
/// turns what the devices report into the commands the session wants next.
pub struct Runner<'a> {
    session: &'a mut Session,
    executor: Executor,
    i18n: crate::i18n::I18n,
    tx: std::sync::mpsc::Sender<Report>,
    reports: Receiver<Report>,
    /// Reports still to come from effects already carried out.
    expected: usize,
}

/// The longest command line taken (no command comes near it).
pub const MAX_LINE: usize = 64 * 1024;

/// The longest a card payment is waited for: the terminal's own limit (T4) and a recovery.
const CARD_PATIENCE: Duration = Duration::from_secs(240);

/// How long the end of a script waits for devices to report (receipts, meter totals).
const REPORT_PATIENCE: Duration = Duration::from_secs(5);

/// The effects whose one final report a command's answer waits for: the card terminal's and
/// the QR provider's.
fn awaited(e: &Effect) -> bool {
    matches!(
        e,
        Effect::CardPay { .. }
            | Effect::CardRecover { .. }
            | Effect::CardEndOfDay
            | Effect::Qr { .. }
            | Effect::PumpCard { .. }
            | Effect::ListReservations
    )
}

impl<'a> Runner<'a> {
    pub fn new(session: &'a mut Session, executor: Executor) -> anyhow::Result<Runner<'a>> {
        if let Some(f) = &executor.forecourt {
            session.attach_forecourt(f.clone());
        }
        let (tx, reports) = std::sync::mpsc::channel::<Report>();
        if let Some(l) = &executor.site {
            session.attach_site(l.clone());
            let tx = tx.clone();
            l.set_sink(move |r| {
                let _ = tx.send(r);
            });
        }
        let i18n = crate::i18n::I18n::new()?;
        Ok(Runner { session, executor, i18n, tx, reports, expected: 0 })
    }

    /// Executes one command and carries out its effects.
    pub fn execute(&mut self, cmd: Command) -> Result<Outcome, ServiceError> {
        // What the devices still have to report (meter totals, receipts) is the signed-in
        // user's bookkeeping: it is in before they sign out.
        if matches!(cmd, Command::Logout) && self.expected > 0 {
            self.handle_reports(true);
        }
        let login = matches!(cmd, Command::Login { .. });
        let result = self.session.execute(cmd);
        if let Ok(out) = &result {
            self.carry_out(out);
            // Readings are stored before the next command: a script's Z after `read_meters`
            // reconciles with what the meters and tanks say now.
            if out.effects.iter().any(|e| matches!(e, Effect::ReadMeterTotals { .. } | Effect::ReadTanks { .. })) {
                self.handle_reports(true);
            }
            if out.effects.iter().any(|e| matches!(e, Effect::SiteSend { .. })) {
                return self.await_site(result);
            }
            if out.effects.iter().any(awaited) {
                if login {
                    // A payment left open by a crash is settled first; the sign-in is answered
                    // as it was (the ticket as the recovery left it).
                    let ticket = self.await_card(Ok(Outcome::default())).ok().and_then(|o| o.ticket);
                    return result.map(|mut o| {
                        o.card = None;
                        o.ticket = ticket.or_else(|| self.session.execute(Command::Ticket).ok().and_then(|t| t.ticket));
                        o
                    });
                }
                return self.await_card(result);
            }
        }
        result
    }

    /// A card payment is answered with its end: the sale stored, or why the ticket is still
    /// open. The terminal's reports are taken as they come (approval, ending, recovery).
    fn await_card(&mut self, mut answer: Result<Outcome, ServiceError>) -> Result<Outcome, ServiceError> {
        let deadline = Instant::now() + CARD_PATIENCE;
        // Card effects carried out whose final report has not come yet.
        let mut open = 1usize;
        // Every card effect ends with one report; when none is outstanding nothing more comes
        // (a payment still open then is one the store could not settle: it is settled at the
        // next sign-in).
        while open > 0 {
            if Instant::now() >= deadline {
                return Err(Refusal::CardUnclear.into());
            }
            let Ok(r) = self.reports.recv_timeout(Duration::from_millis(200)) else { continue };
            if r.ends_effect() {
                self.expected = self.expected.saturating_sub(1);
            }
            let last = matches!(
                r,
                Report::CardFinished { .. }
                    | Report::CardRecovered { .. }
                    | Report::CardDayClosed { .. }
                    | Report::Qr { last: true, .. }
                    | Report::ReservationFinished { .. }
                    | Report::OpenReservations { .. }
            );
            // Pay-at-pump: what the reservation came to goes with the command's answer.
            let pay_at_pump = matches!(
                r,
                Report::ReservationApproved { .. }
                    | Report::ReservationFinished { .. }
                    | Report::OpenReservations { .. }
            );
            let card = !pay_at_pump && (last || matches!(r, Report::CardApproved { .. }));
            if last {
                open = open.saturating_sub(1);
            }
            if let Report::CardDayClosed { failed: Some(why), .. } = &r {
                return Err(Refusal::CardTerminalUnreachable { detail: why.clone() }.into());
            }
            if let Report::CardRecovered { failed: Some(why), .. } = &r {
                tracing::warn!("the card terminal could not be asked about the payment: {why}");
                return Err(Refusal::CardUnclear.into());
            }
            let done = crate::effects::follow(&r, |cmd| {
                let out = self.session.execute(cmd);
                if let Ok(o) = &out {
                    open += o.effects.iter().filter(|e| awaited(e)).count();
                    self.carry_out(o);
                }
                out
            });
            // The terminal's receipt lines (printed after the sale) do not change the answer.
            let receipt = matches!(r, Report::CardFinished { end: None, .. });
            match (card && !receipt, done) {
                (true, Some(res)) => answer = res,
                (false, Some(Ok(o))) if pay_at_pump => {
                    if let Ok(a) = answer.as_mut() {
                        a.reservations = o.reservations.or(a.reservations.take());
                        a.effects.extend(o.effects);
                        a.sale = o.sale.or(a.sale.take());
                    }
                }
                (false, Some(Err(e))) if pay_at_pump => answer = Err(e),
                (false, Some(Err(e))) => tracing::warn!("after {r:?}: {e}"),
                _ => {}
            }
        }
        answer
    }

    /// An answer sent to a kiosk is answered with whether the kiosk took it.
    fn await_site(&mut self, answer: Result<Outcome, ServiceError>) -> Result<Outcome, ServiceError> {
        let deadline = Instant::now() + REPORT_PATIENCE;
        while Instant::now() < deadline {
            let Ok(r) = self.reports.recv_timeout(Duration::from_millis(100)) else { continue };
            if r.ends_effect() {
                self.expected = self.expected.saturating_sub(1);
            }
            if let Report::SiteSent { failed, .. } = &r {
                return match failed {
                    Some(why) => Err(Refusal::SiteUnreachable { detail: why.clone() }.into()),
                    None => answer,
                };
            }
            let session = &mut *self.session;
            if let Some(Ok(o)) = crate::effects::follow(&r, |cmd| session.execute(cmd)) {
                self.carry_out(&o);
            }
        }
        Err(Refusal::SiteUnreachable { detail: "no answer".into() }.into())
    }

    fn carry_out(&mut self, out: &Outcome) {
        self.expected += self.executor.expected_reports(out);
        let tx = self.tx.clone();
        self.executor.run(out, self.session.config(), &self.i18n, move |r| {
            let _ = tx.send(r);
        });
    }

    /// Handles the reports that have come in; with `wait`, until every expected one is in or
    /// the patience runs out.
    pub fn handle_reports(&mut self, wait: bool) {
        let deadline = Instant::now() + REPORT_PATIENCE;
        loop {
            while let Ok(r) = self.reports.try_recv() {
                if r.ends_effect() {
                    self.expected = self.expected.saturating_sub(1);
                }
                let session = &mut *self.session;
                let out = crate::effects::follow(&r, |cmd| session.execute(cmd));
                match out {
                    Some(Ok(o)) => self.carry_out(&o),
                    Some(Err(e)) => tracing::warn!("after {r:?}: {e}"),
                    None => {}
                }
            }
            if !wait || self.expected == 0 || Instant::now() >= deadline {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs a session; `after` is called once each answer is out (the sync task's nudge).
    pub fn run(mut self, mut input: impl BufRead, mut out: impl Write, mut after: impl FnMut()) -> std::io::Result<()> {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            // A line is read up to MAX_LINE bytes; the rest of a longer one is skipped, not kept.
            let mut too_long = false;
            let n = std::io::Read::take(&mut input, MAX_LINE as u64).read_until(b'\n', &mut buf)?;
            if n == 0 {
                break;
            }
            if buf.last() != Some(&b'\n') && n == MAX_LINE {
                too_long = true;
                loop {
                    let chunk = input.fill_buf()?;
                    if chunk.is_empty() {
                        break;
                    }
                    match chunk.iter().position(|&b| b == b'\n') {
                        Some(i) => {
                            input.consume(i + 1);
                            break;
                        }
                        None => {
                            let len = chunk.len();
                            input.consume(len);
                        }
                    }
                }
            }
            self.handle_reports(false);
            let answer = match std::str::from_utf8(&buf) {
                _ if too_long => {
                    Some(json!({ "ok": false, "error": format!("the line is longer than {MAX_LINE} bytes") }))
                }
                Err(e) => Some(json!({ "ok": false, "error": format!("the line is not UTF-8 text: {e}") })),
                Ok(line) => parse(line).map(|p| match p {
                    Ok(cmd) => to_json(&self.execute(cmd)),
                    Err(e) => json!({ "ok": false, "error": e }),
                }),
            };
            if let Some(v) = answer {
                writeln!(out, "{v}")?;
                out.flush()?;
                self.session.idle();
                after();
            }
        }
        self.handle_reports(true);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_line_answers_an_error_and_the_session_goes_on() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = crate::store::Store::open_file(&dir.path().join("t.sqlite")).expect("store");
        let mut session = Session::with_store(crate::config::Config::demo().expect("demo"), store).expect("session");
        let mut input = Vec::new();
        input.extend_from_slice(b"{\"cmd\":\"login\",\"pin\":\"1111\"}\n");
        input.extend_from_slice(b"\xff\xfe not text\n");
        input.extend(std::iter::repeat_n(b'x', MAX_LINE * 3));
        input.push(b'\n');
        input.extend_from_slice(b"{\"cmd\":\"ticket\"}\n");
        let mut out = Vec::new();
        run(&mut session, &input[..], &mut out).expect("runs");
        let answers: Vec<serde_json::Value> =
            String::from_utf8(out).expect("utf8").lines().map(|l| serde_json::from_str(l).expect("json")).collect();
        assert_eq!(answers.len(), 4, "{answers:?}");
        assert_eq!(answers[0]["ok"], true);
        assert!(answers[1]["error"].as_str().unwrap_or_default().contains("not UTF-8"));
        assert!(answers[2]["error"].as_str().unwrap_or_default().contains("longer than"));
        assert_eq!(answers[3]["ok"], true, "the session went on");
    }
}
