//! A refusal of the service as a sentence in the cashier's language: the service names the
//! message and its values (`ServiceError::message`), this formats the values for the language.

use crate::domain::money::Currency;
use crate::i18n::I18n;
use crate::service::message::{Arg, Message};
use crate::service::ServiceError;
use fluent_bundle::FluentValue;

/// A service error as a sentence in the current language.
pub fn error_text(i18n: &I18n, cur: &Currency, e: &ServiceError) -> String {
    say(i18n, cur, &e.message())
}

/// A message with its values formatted as the language writes them.
pub fn say(i18n: &I18n, cur: &Currency, m: &Message) -> String {
    let f = i18n.format();
    let args: Vec<(&str, FluentValue)> = m
        .args
        .iter()
        .map(|(name, arg)| {
            let v: FluentValue = match arg {
                Arg::Text(s) => s.clone().into(),
                Arg::Int(n) => (*n).into(),
                Arg::Money(v) => f.money(*v, cur).into(),
                Arg::Number(v) => f.number(*v, v.normalize().scale()).into(),
                Arg::Percent(v) => super::view::percent(i18n, v).into(),
                Arg::PumpState(s) => i18n.tr(&format!("pump-{s}")).into(),
                Arg::List(list) => list.iter().map(|m| say(i18n, cur, m)).collect::<Vec<_>>().join("; ").into(),
            };
            (*name, v)
        })
        .collect();
    i18n.tr_args(m.key, &args)
}

#[cfg(test)]
#[path = "errors_tests.rs"]
mod tests;
