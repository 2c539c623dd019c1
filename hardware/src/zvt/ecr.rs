//! The till's side of a ZVT transaction: send a command, acknowledge everything the terminal
//! says, and answer its status information with what the caller decides. Knows nothing of sales:
//! the caller's `decide` stores the sale (or fails to) before the answer goes out.

use super::apdu::Apdu;
use super::link::{LinkError, Transport};
use super::msg::{MsgError, PtMessage, StatusInfo};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// T3: from a command to the terminal's `80 00` / `84 xx`.
pub const T3: Duration = Duration::from_secs(5);
/// T4: from the terminal's `80 00` to completion, restarted by every `04 FF` and `04 0F`.
pub const T4: Duration = Duration::from_secs(180);
/// How often a waiting transaction looks at the abort flag.
const TICK: Duration = Duration::from_millis(100);

#[derive(Debug, thiserror::Error)]
pub enum EcrError {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error(transparent)]
    Msg(#[from] MsgError),
    #[error("the card terminal did not answer the command within {0:?}")]
    NoAnswer(Duration),
    #[error("the card terminal did not finish the transaction within {0:?}")]
    NoCompletion(Duration),
}

/// The till's answer to an approving status information.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// `80 00 00`: goods issued; the payment stands.
    Issued,
    /// `84 <code> 00`: goods not issued; the terminal reverses (e.g. 0x66).
    NotIssued(u8),
}

/// What the terminal said while it worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// `04 FF` with its code (0A insert card, 0E enter PIN, 17 please wait, ...).
    Status(u8),
    /// The till asked the terminal to abort (`06 B0`).
    AbortSent,
}

/// How a transaction ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    /// The last status information, if one came.
    pub status: Option<StatusInfo>,
    /// The till's answer to it, if it was asked.
    pub answer: Option<Answer>,
    /// The terminal refused the command (`84 xx` to it), its abort code (`06 1E`), or `None`
    /// when the transaction completed (`06 0F`).
    pub refused: Option<u8>,
    pub aborted: Option<u8>,
    /// Receipt lines the terminal sent (`06 D1`, `06 D3`).
    pub lines: Vec<String>,
    /// Every status information that came, in order (the list of open reservations is one
    /// status information per reservation).
    pub statuses: Vec<StatusInfo>,
}

impl Ending {
    /// The payment stands: the terminal approved it and the till said "goods issued".
    pub fn approved(&self) -> bool {
        self.refused.is_none()
            && self.status.as_ref().is_some_and(StatusInfo::approved)
            && self.answer.is_none_or(|a| a == Answer::Issued)
    }

    /// The result code that explains a failure: the abort's, the refusal's or the status's.
    pub fn code(&self) -> Option<u8> {
        self.aborted.or(self.refused).or_else(|| self.status.as_ref().and_then(|s| s.result))
    }
}

/// Runs one command to its end over `t`. `decide` is called for an approving status
/// information and must return only once its outcome is durable; every terminal message is
/// acknowledged. `abort`, when set, sends the till's abort once.
pub fn transact(
    t: &mut dyn Transport,
    command: &Apdu,
    abort: Option<&AtomicBool>,
    progress: &mut dyn FnMut(Progress),
    decide: &mut dyn FnMut(&StatusInfo) -> Answer,
) -> Result<Ending, EcrError> {
    t.send(command)?;
    let mut end = empty();
    // The command's own answer.
    let first = t.recv(T3)?.ok_or(EcrError::NoAnswer(T3))?;
    match PtMessage::from_apdu(&first)? {
        PtMessage::Accepted => {}
        PtMessage::Refused(code) => {
            end.refused = Some(code);
            return Ok(end);
        }
        // Some terminals skip the `80 00` and start with their messages.
        other => {
            if let Some(done) = handle(t, other, &mut end, progress, decide)? {
                return Ok(done);
            }
        }
    }
    let mut deadline = Instant::now() + T4;
    let mut abort_sent = false;
    loop {
        if !abort_sent && abort.is_some_and(|a| a.load(Ordering::SeqCst)) {
            t.send(&super::msg::abort())?;
            abort_sent = true;
            progress(Progress::AbortSent);
        }
        let Some(apdu) = t.recv(TICK)? else {
            if Instant::now() >= deadline {
                return Err(EcrError::NoCompletion(T4));
            }
            continue;
        };
        let msg = match PtMessage::from_apdu(&apdu) {
            Ok(m) => m,
            Err(e) => {
                // Unreadable: acknowledged so the terminal goes on, then reported.
                t.send(&Apdu::ack())?;
                return Err(e.into());
            }
        };
        if matches!(msg, PtMessage::Intermediate(_) | PtMessage::Status(_)) {
            deadline = Instant::now() + T4;
        }
        if let Some(done) = handle(t, msg, &mut end, progress, decide)? {
            return Ok(done);
        }
    }
}

fn handle(
    t: &mut dyn Transport,
    msg: PtMessage,
    end: &mut Ending,
    progress: &mut dyn FnMut(Progress),
    decide: &mut dyn FnMut(&StatusInfo) -> Answer,
) -> Result<Option<Ending>, EcrError> {
    match msg {
        // Answers to the till's abort; nothing to acknowledge.
        PtMessage::Accepted | PtMessage::Refused(_) => {}
        PtMessage::Intermediate(code) => {
            t.send(&Apdu::ack())?;
            progress(Progress::Status(code));
        }
        PtMessage::Status(info) => {
            if info.approved() && end.answer.is_none() {
                let answer = decide(&info);
                end.answer = Some(answer);
                t.send(&match answer {
                    Answer::Issued => Apdu::ack(),
                    Answer::NotIssued(code) => Apdu::nak(code),
                })?;
            } else {
                t.send(&Apdu::ack())?;
            }
            end.statuses.push(info.clone());
            end.status = Some(info);
        }
        PtMessage::Print(lines) => {
            t.send(&Apdu::ack())?;
            end.lines.extend(lines);
        }
        PtMessage::Completion => {
            t.send(&Apdu::ack())?;
            return Ok(Some(std::mem::replace(end, empty())));
        }
        PtMessage::Abort(code) => {
            t.send(&Apdu::ack())?;
            end.aborted = Some(code);
            return Ok(Some(std::mem::replace(end, empty())));
        }
        PtMessage::Other(..) => t.send(&Apdu::ack())?,
    }
    Ok(None)
}

fn empty() -> Ending {
    Ending { status: None, answer: None, refused: None, aborted: None, lines: Vec::new(), statuses: Vec::new() }
}
