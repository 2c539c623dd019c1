//! Fuzz harnesses for the sync's answer parsers (`check_answer`, `error_body`), here inside the
//! crate because they are private to the sync. Arbitrary bytes, and answers made from the batch
//! (every event named once, in any of the three lists) then changed. `cargo test` runs a bounded
//! number of cases; `PROPTEST_CASES=200000 cargo test --release -p till --lib sync::fuzz` runs
//! more (docs/fuzzing.md).

use super::push::{check_answer, error_body, InFlight};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Value};
use std::collections::HashSet;

fn cases(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    Config { cases, ..Config::default() }
}

fn batch(ids: &[String]) -> InFlight {
    InFlight {
        key: "k".into(),
        body: Vec::new(),
        events: ids.iter().enumerate().map(|(i, id)| (i as i64 + 1, id.clone())).collect(),
        unusable: 0,
    }
}

/// Ids as the outbox makes them (UUIDs), and odd ones.
fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
        "\\PC{0,70}",
        Just("ä".repeat(70)),
    ]
}

/// The answer naming each event in one list: 0 accepted, 1 duplicate, 2 rejected.
fn answer(ids: &[String], lists: &[u8], upper: bool) -> Value {
    let (mut accepted, mut duplicates, mut rejected) = (vec![], vec![], vec![]);
    for (id, l) in ids.iter().zip(lists.iter().cycle()) {
        let id = if upper { id.to_ascii_uppercase() } else { id.clone() };
        match l % 3 {
            0 => accepted.push(json!(id)),
            1 => duplicates.push(json!(id)),
            _ => rejected.push(json!({"event_id": id, "code": "bad", "reason": "ä".repeat(600)})),
        }
    }
    json!({"accepted": accepted, "duplicates": duplicates, "rejected": rejected})
}

/// What an accepted answer must be: every event of the batch named exactly once.
fn check(bytes: &[u8], b: &InFlight) -> Result<(), TestCaseError> {
    if let Ok(a) = check_answer(bytes, b) {
        let named: Vec<String> = a
            .accepted
            .iter()
            .chain(&a.duplicates)
            .chain(a.rejected.iter().map(|r| &r.event_id))
            .map(|s| s.to_ascii_lowercase())
            .collect();
        let unique: HashSet<&String> = named.iter().collect();
        prop_assert_eq!(unique.len(), named.len());
        prop_assert_eq!(named.len(), b.events.len());
        prop_assert!(b.events.iter().all(|(_, id)| unique.contains(&id.to_ascii_lowercase())));
    }
    if let Some((code, message)) = error_body(bytes) {
        prop_assert!(code.chars().count() <= 64 && message.chars().count() <= 500);
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(1024))]

    #[test]
    fn sync_answers_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200), text in "\\PC{0,120}", ids in prop::collection::vec(id(), 0..4)) {
        let b = batch(&ids);
        check(&bytes, &b)?;
        check(text.as_bytes(), &b)?;
        check(format!("{{\"error\":{{\"code\":{text:?},\"message\":{text:?}}}}}").as_bytes(), &b)?;
    }

    #[test]
    fn sync_answers_made_from_the_batch(
        ids in prop::collection::hash_set("[0-9a-f]{8}-[0-9a-f]{4}", 1..6),
        lists in prop::collection::vec(any::<u8>(), 1..6),
        upper in any::<bool>(),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        extra in id(),
    ) {
        let ids: Vec<String> = ids.into_iter().collect();
        let b = batch(&ids);
        let good = answer(&ids, &lists, upper);
        let bytes = serde_json::to_vec(&good).unwrap();
        prop_assert!(check_answer(&bytes, &b).is_ok(), "{}", good);
        // One event missing, one twice, one not sent: each is unusable.
        let fewer = answer(&ids[1..], &lists, upper);
        prop_assert!(check_answer(&serde_json::to_vec(&fewer).unwrap(), &b).is_err());
        let mut twice = good.clone();
        twice["accepted"].as_array_mut().unwrap().push(json!(ids[0]));
        prop_assert!(check_answer(&serde_json::to_vec(&twice).unwrap(), &b).is_err());
        if !ids.iter().any(|i| i.eq_ignore_ascii_case(&extra)) {
            let mut more = good.clone();
            more["duplicates"].as_array_mut().unwrap().push(json!(extra));
            prop_assert!(check_answer(&serde_json::to_vec(&more).unwrap(), &b).is_err());
        }
        // Cut short or with a byte changed: whatever is still accepted is still whole.
        check(&bytes[..cut.index(bytes.len())], &b)?;
        let mut changed = bytes.clone();
        let i = flip.index(changed.len());
        changed[i] ^= 0x20;
        check(&changed, &b)?;
    }
}
