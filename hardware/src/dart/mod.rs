//! Wayne DART: the pump protocol on an RS-485 line (`line`: framing, CRC, control bytes),
//! its application layer (`app`: CD/DC transactions), and a simulated pump (`sim`).

pub mod app;
pub mod line;
pub mod master;
pub mod sim;
