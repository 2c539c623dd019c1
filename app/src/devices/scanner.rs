//! A serial barcode scanner (or USB-CDC): each code arrives followed by CR (or CR LF). The codes go
//! to the same scan as the keyboard wedge, which validates them. A scanner that is unplugged is
//! shown offline and read again when it comes back.

use crate::devices::link::{self, Health, Link};
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

/// The scanner's thread; it stops when the last handle is dropped.
#[derive(Clone)]
pub struct Scanner {
    pub health: Health,
    /// The thread runs while a handle holds this.
    _alive: Arc<()>,
}

impl Scanner {
    /// A scanner on a port that is already open (tests).
    pub fn start<P: Read + std::io::Write + Send + 'static>(
        port: P,
        on_code: impl Fn(String) + Send + 'static,
    ) -> Scanner {
        Scanner::on_link(Link::fixed(port, "scanner"), on_code)
    }

    /// A scanner on a configured serial port.
    pub fn open(spec: &str, on_code: impl Fn(String) + Send + 'static) -> Scanner {
        Scanner::on_link(Link::new(spec, 9600, Duration::from_millis(100)), on_code)
    }

    fn on_link(mut link: Link, on_code: impl Fn(String) + Send + 'static) -> Scanner {
        let health = Health::default();
        let alive = Arc::new(());
        let (h, flag) = (health.clone(), Arc::downgrade(&alive));
        std::thread::Builder::new()
            .name("till-scanner".into())
            .spawn(move || {
                let mut decoder = till_hardware::scanner::Decoder::new();
                let mut buf = [0u8; 64];
                while flag.strong_count() > 0 {
                    let Some(port) = link.ready(&h) else {
                        std::thread::sleep(link::RETRY);
                        continue;
                    };
                    h.online("ready");
                    match port.read(&mut buf) {
                        // A serial port that reads nothing without timing out has hung up.
                        Ok(0) => link.fail("the scanner hung up", &h),
                        Ok(n) => {
                            for read in decoder.push(&buf[..n]) {
                                match read {
                                    till_hardware::scanner::Read::Code(code) => on_code(code),
                                    till_hardware::scanner::Read::Garbage(len) => {
                                        tracing::warn!("scanner: a line of {len} bytes that is no code was dropped")
                                    }
                                }
                            }
                        }
                        Err(e) if link::fatal(&e) => link.fail(e.to_string(), &h),
                        Err(_) => {}
                    }
                }
            })
            .ok();
        Scanner { health, _alive: alive }
    }
}
