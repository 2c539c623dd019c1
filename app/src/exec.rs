//! Headless sessions: JSON Lines in, one JSON line out per command, flushed before the next
//! command is read.

use crate::service::{Command, Session};
use serde_json::{json, Value};
use std::io::{BufRead, Write};

/// Answers one input line. Blank lines answer nothing.
pub fn answer(session: &mut Session, line: &str) -> Option<Value> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    let cmd: Command = match serde_json::from_str(line) {
        Ok(c) => c,
        Err(e) => return Some(json!({ "ok": false, "error": format!("not a valid command: {e}") })),
    };
    Some(match session.execute(cmd) {
        Ok(outcome) => {
            let mut m = serde_json::Map::new();
            m.insert("ok".into(), Value::Bool(true));
            if let Ok(Value::Object(fields)) = serde_json::to_value(outcome) {
                m.extend(fields);
            }
            Value::Object(m)
        }
        Err(e) => json!({ "ok": false, "error": e.to_string() }),
    })
}

/// Runs a whole script. Returns an error only when the input or output itself fails.
pub fn run(session: &mut Session, input: impl BufRead, out: impl Write) -> std::io::Result<()> {
    run_with(session, input, out, || {})
}

/// Runs a session; `after` is called once each answer is out (the sync task's nudge).
pub fn run_with(
    session: &mut Session,
    input: impl BufRead,
    mut out: impl Write,
    mut after: impl FnMut(),
) -> std::io::Result<()> {
    for line in input.lines() {
        let line = line?;
        if let Some(v) = answer(session, &line) {
            writeln!(out, "{v}")?;
            out.flush()?;
            session.idle();
            after();
        }
    }
    Ok(())
}
