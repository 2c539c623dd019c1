//! The remembered look: the language and theme chosen on the terminal (signed out) or by a
//! user (signed in). One row per scope; a column left empty was never chosen in that scope.

use super::{begin, commit, journal, Result, Store};
use rusqlite::{params, OptionalExtension};

/// A scope's stored choice; `None` where nothing was chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredLook {
    pub language: Option<String>,
    pub theme: Option<String>,
}

impl Store {
    /// The look stored for `scope` ("terminal:<id>" or "user:<id>"), empty when none is.
    pub fn look(&self, scope: &str) -> Result<StoredLook> {
        let row = self
            .conn
            .query_row("SELECT language, theme FROM looks WHERE scope = ?1", [scope], |r| {
                Ok(StoredLook { language: r.get(0)?, theme: r.get(1)? })
            })
            .optional()?;
        Ok(row.unwrap_or_default())
    }

    /// Stores a choice for `scope`, journaled in the same transaction. A part given as `None`
    /// keeps what was stored before.
    pub fn set_look(
        &mut self,
        scope: &str,
        language: Option<&str>,
        theme: Option<&str>,
        user_id: Option<i64>,
        terminal_id: &str,
        at: &str,
    ) -> Result<StoredLook> {
        let tx = begin(&mut self.conn, &self.guard)?;
        tx.execute(
            "INSERT INTO looks (scope, language, theme, changed_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(scope) DO UPDATE SET language = COALESCE(?2, language), theme = COALESCE(?3, theme),
                                              changed_at = ?4",
            params![scope, language, theme, at],
        )?;
        let stored = tx.query_row("SELECT language, theme FROM looks WHERE scope = ?1", [scope], |r| {
            Ok(StoredLook { language: r.get(0)?, theme: r.get(1)? })
        })?;
        let payload = serde_json::json!({
            "scope": scope, "user_id": user_id, "language": language, "theme": theme,
        });
        journal::append(&tx, terminal_id, at, "look_set", &payload.to_string())?;
        commit(tx, &mut self.guard)?;
        Ok(stored)
    }
}
