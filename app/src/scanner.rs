//! A serial barcode scanner (or USB-CDC): each code arrives followed by CR (or CR LF). The codes go
//! to the same scan as the keyboard wedge, which validates them.

use std::io::Read;

/// Starts reading codes from `port`; `on_code` is called on the scanner's thread for each one.
pub fn start<P: Read + Send + 'static>(mut port: P, on_code: impl Fn(String) + Send + 'static) {
    std::thread::Builder::new()
        .name("till-scanner".into())
        .spawn(move || {
            let mut line = Vec::new();
            let mut buf = [0u8; 64];
            loop {
                match port.read(&mut buf) {
                    Ok(n) => {
                        for &b in &buf[..n] {
                            match b {
                                b'\r' | b'\n' => {
                                    if !line.is_empty() {
                                        let code = String::from_utf8_lossy(&line).trim().to_string();
                                        line.clear();
                                        if !code.is_empty() {
                                            on_code(code);
                                        }
                                    }
                                }
                                // A runaway line without CR is not a barcode.
                                b if line.len() < 64 => line.push(b),
                                _ => line.clear(),
                            }
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(e) => {
                        tracing::warn!("scanner: {e}");
                        return;
                    }
                }
            }
        })
        .ok();
}
