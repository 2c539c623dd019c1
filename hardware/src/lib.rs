//! Device protocols, transports and simulators for Till (pumps, tank gauge, receipt printer and
//! cash drawer, customer display, scanner, scale, card terminal: ZVT). Knows nothing of sales: it
//! speaks the devices' bytes, reports what they say and sends what it is told.

pub mod bcd;
pub mod dart;
pub mod display;
pub mod escpos;
pub mod scale;
pub mod scanner;
pub mod tls;
pub mod zvt;
