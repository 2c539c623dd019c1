//! Till: a touchscreen point-of-sale terminal for fuel stations, shops and food counters.
//!
//! - [`domain`]: money, catalog, barcodes, taxes, tickets, users. Pure; no I/O.
//! - [`store`]: the SQLite store, the hash-chained journal and the outbox.
//! - [`config`]: TOML configuration, validated into typed settings; the demo configuration.
//! - [`import`]: catalog CSV import, all or nothing.
//! - [`service`]: the session that runs commands for the screens and for `till exec`.
//! - [`exec`]: the JSON Lines front end of the service.

pub mod cli;
pub mod config;
pub mod devices;
pub mod domain;
pub mod dsfinvk;
pub mod effects;
pub mod exec;
pub mod gui;
pub mod i18n;
pub mod import;
pub mod notify;
pub mod receipt;
pub mod service;
pub mod slip;
pub mod store;
pub mod sync;
