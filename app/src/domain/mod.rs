//! The domain: pure Rust, no I/O, no clock, no Slint. Everything here is deterministic and
//! unit-testable; the store and the service layer call into it.

pub mod barcode;
pub mod cash;
pub mod catalog;
pub mod fuel;
mod line;
pub mod money;
pub mod record;
pub mod report;
pub mod shift;
pub mod tax;
pub mod ticket;
pub mod users;

#[cfg(test)]
mod ticket_tests;
