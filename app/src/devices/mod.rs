//! The devices Till drives, each on its own thread that owns its link: the forecourt (DART
//! pumps) and the tank gauge, the receipt printer and its drawer, the customer display, the
//! scale, the serial scanner; and demo mode's simulated ones.

pub mod card;
pub mod demo;
pub mod display;
pub mod forecourt;
pub mod link;
pub mod printer;
pub mod qr;
pub mod raster;
pub mod scale;
pub mod scanner;
pub mod site;
pub mod tanks;
