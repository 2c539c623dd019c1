//! The sync API's contract (`docs/sync-api.md`), one suite run against both receivers: the SQLite
//! reference receiver and the PostgreSQL head office. Everything is checked through the API
//! alone (an event is stored when sending it again makes it a duplicate), so the suite says
//! nothing about either receiver's insides.

mod common;

use common::*;
use serde_json::{json, Value};

fn accepts_and_keeps_batch_order(t: &Target) {
    let events: Vec<Value> =
        (1..=5).map(|s| event(&t.terminal, s, if s % 2 == 0 { "sale" } else { "shift_open" })).collect();
    let a = upload(t, &events);
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.header("content-type"), Some("application/json"));
    let a = a.json();
    assert_eq!(list(&a, "accepted"), ids(&events));
    assert!(list(&a, "duplicates").is_empty() && list(&a, "rejected").is_empty());
    // An empty batch is valid.
    let a = upload(t, &[]);
    assert_eq!((a.status, list(&a.json(), "accepted").len()), (200, 0));
}

fn duplicates_by_event_id_alone(t: &Target) {
    let first: Vec<Value> = (1..=3).map(|s| event(&t.terminal, s, "sale")).collect();
    assert_eq!(upload(t, &first).status, 200);
    // Again under a new key, mixed with new ones, with a lower seq and an edited payload: the id
    // alone makes a duplicate, and every list keeps batch order.
    let mut again = first[1].clone();
    again["seq"] = json!(1);
    again["payload"]["user"] = json!("Someone Else");
    let mut upper = first[2].clone();
    let id = upper["event_id"].as_str().unwrap().to_ascii_uppercase();
    upper["event_id"] = json!(id);
    upper["payload"]["event_id"] = json!(id);
    upper["seq"] = json!(2);
    let fresh = event(&t.terminal, 3, "sale");
    let batch = vec![again, upper, fresh.clone()];
    let a = upload(t, &batch);
    assert_eq!(a.status, 200, "{}", a.text());
    let a = a.json();
    assert_eq!(list(&a, "duplicates"), vec![ids(&first)[1].clone(), ids(&first)[2].clone()]);
    assert_eq!(list(&a, "accepted"), ids(&[fresh]));
}

fn rejects_broken_events_one_by_one(t: &Target) {
    let good = event(&t.terminal, 1, "sale");
    let mut envelope = event(&t.terminal, 2, "sale");
    envelope["payload"]["kind"] = json!("refund");
    let mut other = event(&t.terminal, 3, "shift_open");
    other["payload"]["terminal_id"] = json!("LANE-99");
    let mut number = event(&t.terminal, 4, "sale");
    number["payload"]["sale"]["total"] = json!(12.5);
    let mut time = event(&t.terminal, 5, "shift_open");
    time["created_at"] = json!("yesterday at noon");
    let mut nul = event(&t.terminal, 6, "shift_open");
    nul["payload"]["user"] = json!("a\u{0}b");
    let unknown = event(&t.terminal, 7, "kind_from_the_future");
    let batch = vec![good.clone(), envelope, other, number, time, nul, unknown.clone()];
    let a = upload(t, &batch);
    assert_eq!(a.status, 200, "{}", a.text());
    let a = a.json();
    assert_eq!(list(&a, "accepted"), ids(&[good, unknown]), "an unknown kind is stored, never refused");
    let rejected = a["rejected"].as_array().unwrap();
    let codes: Vec<&str> = rejected.iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        ["envelope_mismatch", "terminal_mismatch", "invalid_amount", "invalid_timestamp", "invalid_payload"]
    );
    assert_eq!(list(&a, "rejected"), ids(&batch[1..6]));
    for r in rejected {
        let reason = r["reason"].as_str().unwrap();
        assert!(!reason.is_empty() && reason.len() <= 500, "{reason}");
    }
    // A rejected event is not stored: mended, it is accepted, not a duplicate.
    let mut mended = batch[2].clone();
    mended["payload"]["terminal_id"] = json!(t.terminal);
    assert_eq!(list(&upload(t, &[mended.clone()]).json(), "accepted"), ids(&[mended]));
}

/// Each whole-batch error, and that it stored nothing of the batch.
fn whole_batch_errors_store_nothing(t: &Target) {
    let events: Vec<Value> = (1..=2).map(|s| event(&t.terminal, s, "sale")).collect();
    let body = json!({ "events": events }).to_string();
    let path = format!("/v1/terminals/{}/events", t.terminal);
    let auth = format!("Bearer {}", t.token);
    let key = new_key();
    let send = |headers: &[(&str, &str)], body: &[u8]| http(t.addr, "POST", &path, headers, body);
    let auth_h = ("Authorization", auth.as_str());
    let json_h = ("Content-Type", "application/json");
    let key_h = ("Idempotency-Key", key.as_str());
    let cases: Vec<(Answer, u16, &str)> = vec![
        (send(&[auth_h, json_h], body.as_bytes()), 400, "invalid_request"),
        (send(&[auth_h, json_h, ("Idempotency-Key", "not-a-uuid")], body.as_bytes()), 400, "invalid_request"),
        (send(&[auth_h, ("Content-Type", "text/plain"), key_h], body.as_bytes()), 400, "invalid_request"),
        (upload_with(t, &new_key(), b"{\"events\":[tru"), 400, "invalid_json"),
        (upload_with(t, &new_key(), b"[1,2,3]"), 400, "invalid_batch"),
        (upload_with(t, &new_key(), b"{\"events\":[{\"event_id\":\"x\"}]}"), 400, "invalid_batch"),
    ];
    for (a, status, code) in cases {
        assert_eq!((a.status, a.code().as_str()), (status, code), "{}", a.text());
        assert!(a.header("content-type").is_some_and(|c| c.starts_with("application/json")));
    }
    let mut no_payload = events[0].clone();
    no_payload["payload"] = json!("text");
    let mut no_seq = events[0].clone();
    no_seq["seq"] = json!("1");
    for bad in [no_payload, no_seq] {
        let a = upload(t, &[events[1].clone(), bad]);
        assert_eq!((a.status, a.code().as_str()), (400, "invalid_batch"), "{}", a.text());
    }
    let (mut low, high) = (events[0].clone(), events[1].clone());
    low["seq"] = json!(2);
    let a = upload(t, &[low, high]);
    assert_eq!((a.status, a.code().as_str()), (422, "seq_not_increasing"));
    let mut twin = events[0].clone();
    twin["seq"] = json!(9);
    let a = upload(t, &[events[0].clone(), twin]);
    assert_eq!((a.status, a.code().as_str()), (422, "duplicate_event_in_batch"));
    let many: Vec<Value> = (1..=501).map(|s| event(&t.terminal, s, "shift_open")).collect();
    let a = upload(t, &many);
    assert_eq!((a.status, a.code().as_str()), (413, "too_many_events"));
    let mut big = event(&t.terminal, 1, "shift_open");
    big["payload"]["note"] = json!("x".repeat(4 * 1024 * 1024));
    let a = upload(t, &[events[0].clone(), big]);
    assert_eq!(a.status, 413, "{}", a.text());
    // None of it stored anything.
    let a = upload(t, &events);
    assert_eq!(list(&a.json(), "accepted"), ids(&events));
}

fn idempotency_keys(t: &Target) {
    let events: Vec<Value> = (1..=3).map(|s| event(&t.terminal, s, "sale")).collect();
    let body = json!({ "events": events }).to_string();
    let key = new_key();
    let first = upload_with(t, &key, body.as_bytes());
    assert_eq!(first.status, 200);
    // The same key and body: the stored answer, byte for byte (accepted, not duplicates).
    let again = upload_with(t, &key, body.as_bytes());
    assert_eq!((again.status, &again.body), (200, &first.body));
    // Upper case is the same key.
    let again = upload_with(t, &key.to_ascii_uppercase(), body.as_bytes());
    assert_eq!(again.body, first.body);
    // The same key with another body: 422, whatever that body holds.
    let other = json!({ "events": [event(&t.terminal, 4, "sale")] }).to_string();
    let a = upload_with(t, &key, other.as_bytes());
    assert_eq!((a.status, a.code().as_str()), (422, "idempotency_key_reused"));
    let a = upload_with(t, &key, b"not json");
    assert_eq!((a.status, a.code().as_str()), (422, "idempotency_key_reused"));
    // A new key for the same events: duplicates.
    let a = upload_with(t, &new_key(), body.as_bytes()).json();
    assert_eq!(list(&a, "duplicates"), ids(&events));
    // Keys are per terminal: the other terminal may use the same one.
    let path = format!("/v1/terminals/{}/events", t.other);
    let auth = format!("Bearer {}", t.other_token);
    let theirs = json!({ "events": [event(&t.other, 1, "sale")] }).to_string();
    let a = http(
        t.addr,
        "POST",
        &path,
        &[("Authorization", &auth), ("Content-Type", "application/json"), ("Idempotency-Key", &key)],
        theirs.as_bytes(),
    );
    assert_eq!((a.status, list(&a.json(), "accepted").len()), (200, 1), "{}", a.text());
}

fn authentication(t: &Target) {
    let path = format!("/v1/terminals/{}/events", t.terminal);
    let body = json!({ "events": [event(&t.terminal, 1, "sale")] }).to_string();
    let key = new_key();
    let with = |auth: Option<&str>, path: &str| {
        let mut h = vec![("Content-Type", "application/json"), ("Idempotency-Key", key.as_str())];
        if let Some(a) = auth {
            h.push(("Authorization", a));
        }
        http(t.addr, "POST", path, &h, body.as_bytes())
    };
    for auth in [None, Some("Basic dXNlcjpwYXNz"), Some("Bearer "), Some("Bearer not-a-token-of-anyone")] {
        let a = with(auth, &path);
        assert_eq!((a.status, a.code().as_str()), (401, "unauthorized"), "{auth:?}");
        assert_eq!(a.header("www-authenticate"), Some("Bearer"));
    }
    let theirs = format!("Bearer {}", t.other_token);
    let a = with(Some(&theirs), &path);
    assert_eq!((a.status, a.code().as_str()), (403, "forbidden"));
    let mine = format!("Bearer {}", t.token);
    let a = with(Some(&mine), "/v1/terminals/NOBODY-07/events");
    assert_eq!((a.status, a.code().as_str()), (403, "forbidden"));
    // Nothing of it was stored: the batch is new.
    assert_eq!(with(Some(&mine), &path).status, 200);
    let a = http(t.addr, "GET", "/v1/health", &[], b"");
    assert_eq!((a.status, a.json()), (200, json!({"status": "ok"})));
}

fn pricebook_etags(t: &Target) {
    let path = format!("/v1/terminals/{}/pricebook", t.terminal);
    let auth = format!("Bearer {}", t.token);
    let get = |extra: &[(&str, &str)]| {
        let mut h = vec![("Authorization", auth.as_str())];
        h.extend_from_slice(extra);
        http(t.addr, "GET", &path, &h, b"")
    };
    let a = get(&[]);
    assert_eq!((a.status, a.code().as_str()), (404, "no_pricebook"));
    t.set_pricebook(&[
        ("item", "BEV-0001", "2.19", "2025-01-01T00:00:00Z"),
        ("fuel", "E10", "1.759", "2099-05-14T12:00:00Z"),
    ]);
    let a = get(&[]);
    assert_eq!(a.status, 200, "{}", a.text());
    let book = a.json();
    assert_eq!(book["currency"], "EUR");
    assert!(book["version"].as_str().is_some_and(|v| !v.is_empty()));
    assert_eq!(book["items"][0], json!({"sku": "BEV-0001", "price": "2.19", "effective_at": "2025-01-01T00:00:00Z"}));
    assert_eq!(
        book["fuel_prices"][0],
        json!({"grade": "E10", "price": "1.759", "effective_at": "2099-05-14T12:00:00Z"})
    );
    let etag = a.header("etag").expect("an ETag").to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "a strong ETag: {etag}");
    let same = get(&[("If-None-Match", &etag)]);
    assert_eq!((same.status, same.body.len()), (304, 0));
    assert_eq!(get(&[("If-None-Match", "\"something-else\"")]).status, 200);
    t.set_pricebook(&[("item", "BEV-0001", "2.29", "2025-01-01T00:00:00Z")]);
    let changed = get(&[("If-None-Match", &etag)]);
    assert_eq!(changed.status, 200, "a new book is a new ETag");
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
    assert_eq!(changed.json()["items"][0]["price"], "2.29");
    let a = http(t.addr, "GET", &path, &[], b"");
    assert_eq!(a.status, 401);
    let theirs = format!("Bearer {}", t.other_token);
    assert_eq!(http(t.addr, "GET", &path, &[("Authorization", &theirs)], b"").status, 403);
}

macro_rules! against {
    ($receiver:ident) => {
        mod $receiver {
            use super::*;
            #[test]
            fn accepts_and_keeps_batch_order() {
                super::accepts_and_keeps_batch_order(&common::$receiver());
            }
            #[test]
            fn duplicates_by_event_id_alone() {
                super::duplicates_by_event_id_alone(&common::$receiver());
            }
            #[test]
            fn rejects_broken_events_one_by_one() {
                super::rejects_broken_events_one_by_one(&common::$receiver());
            }
            #[test]
            fn whole_batch_errors_store_nothing() {
                super::whole_batch_errors_store_nothing(&common::$receiver());
            }
            #[test]
            fn idempotency_keys() {
                super::idempotency_keys(&common::$receiver());
            }
            #[test]
            fn authentication() {
                super::authentication(&common::$receiver());
            }
            #[test]
            fn pricebook_etags() {
                super::pricebook_etags(&common::$receiver());
            }
        }
    };
}

against!(sqlite);
against!(pg);
