//! The remembered look: the screens' language and theme. Signed out, a choice is the
//! terminal's; signed in, the user's. Each is stored, and answered as the look now in force.

use super::{Outcome, Refusal, ServiceError, Session};
use crate::config::{is_language, is_theme};
use serde::Serialize;

/// The language and theme the screens show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Look {
    pub language: String,
    pub theme: String,
}

/// The look when neither the terminal nor the configuration chose one.
const DEFAULT_LANGUAGE: &str = "en-US";
const DEFAULT_THEME: &str = "light";

impl Session {
    fn terminal_scope(&self) -> String {
        format!("terminal:{}", self.config.terminal_id)
    }

    /// The terminal's look: its stored choice, else the configuration's, else en-US and light.
    /// A stored value Till no longer knows is passed over.
    pub fn look(&self) -> Look {
        let stored = self.store.look(&self.terminal_scope()).unwrap_or_else(|e| {
            tracing::warn!("the terminal's look could not be read: {e}");
            Default::default()
        });
        Look {
            language: stored
                .language
                .filter(|l| is_language(l))
                .or_else(|| self.config.language.clone())
                .unwrap_or_else(|| DEFAULT_LANGUAGE.into()),
            theme: stored
                .theme
                .filter(|t| is_theme(t))
                .or_else(|| self.config.theme.clone())
                .unwrap_or_else(|| DEFAULT_THEME.into()),
        }
    }

    /// A user's look: their stored choice, else the terminal's, part by part.
    pub fn user_look(&self, user_id: i64) -> Result<Look, ServiceError> {
        let stored = self.store.look(&format!("user:{user_id}"))?;
        let terminal = self.look();
        Ok(Look {
            language: stored.language.filter(|l| is_language(l)).unwrap_or(terminal.language),
            theme: stored.theme.filter(|t| is_theme(t)).unwrap_or(terminal.theme),
        })
    }

    /// The look in force now: the signed-in user's, else the terminal's.
    pub fn current_look(&self) -> Result<Look, ServiceError> {
        match &self.user {
            Some(u) => self.user_look(u.id),
            None => Ok(self.look()),
        }
    }

    /// Stores a language and/or theme: the user's when someone is signed in, else the
    /// terminal's. Needs no sign-in; an unknown value stores nothing.
    pub(super) fn set_look(&mut self, language: Option<&str>, theme: Option<&str>) -> Result<Outcome, ServiceError> {
        if language.is_none() && theme.is_none() {
            return Err(Refusal::LanguageOrTheme.into());
        }
        if let Some(l) = language.filter(|l| !is_language(l)) {
            return Err(ServiceError::UnknownLanguage(l.to_string()));
        }
        if let Some(t) = theme.filter(|t| !is_theme(t)) {
            return Err(ServiceError::UnknownTheme(t.to_string()));
        }
        let user = self.user.as_ref().map(|u| u.id);
        let scope = match user {
            Some(id) => format!("user:{id}"),
            None => self.terminal_scope(),
        };
        let (at, _) = super::now();
        let terminal = self.config.terminal_id.clone();
        self.store.set_look(&scope, language, theme, user, &terminal, &at)?;
        Ok(Outcome { look: Some(self.current_look()?), ..Outcome::default() })
    }
}
