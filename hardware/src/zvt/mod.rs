//! ZVT, the ECR interface of German and Austrian card terminals (PA00P015 13.x, transport
//! PA00P016): APDUs, bitmaps, the serial framing, the commands the till sends, what the terminal
//! says, the till's side of a transaction and a simulated terminal. The `zvt` crate (0.1.0) was
//! weighed first: it has no authorization (`06 01`), reversal, refund or repeat receipt, and no
//! serial transport, so this codec is Till's own.

pub mod apdu;
pub mod bmp;
pub mod ecr;
pub mod frame;
pub mod link;
pub mod msg;
pub mod sim;

pub use apdu::{Apdu, ApduReader};
pub use ecr::{transact, Answer, Ending, Progress};
pub use link::{SerialTransport, TcpTransport, Transport};
pub use msg::{PtMessage, StatusInfo};
