//! The sync API's shared contract (`docs/sync-api.md`): the limits both sides hold to and the
//! shape of an upload's answer. The terminal's push task and every receiver use these, so the
//! two cannot drift apart.

use serde::{Deserialize, Serialize};

/// The most events one upload may carry.
pub const MAX_EVENTS: usize = 500;
/// The largest upload body.
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// The largest answer to an upload that a terminal reads.
pub const MAX_ANSWER: usize = 1024 * 1024;
/// The largest price book a terminal reads.
pub const MAX_PRICEBOOK: usize = 16 * 1024 * 1024;

/// The answer to an upload: every event of the batch named exactly once, in one of the lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchAnswer {
    pub accepted: Vec<String>,
    pub duplicates: Vec<String>,
    pub rejected: Vec<RejectedEvent>,
}

/// An event the receiver refused, with its code and reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedEvent {
    pub event_id: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}
