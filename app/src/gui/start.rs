//! Starting the window: the devices it works with, how it is shown, and the screen it opens on.
//!
//! A counter PC often runs without a window manager (the window is the only thing on the
//! screen), and then "maximised" and "full screen" are requests nobody answers. The window
//! therefore asks the X server for the root window's size and opens at that size itself.

use super::Gui;
use crate::service::Session;
use slint::ComponentHandle;

/// How `till` shows its window.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub fullscreen: bool,
    /// Exit 0 after the first frame, printing `first_frame_ms=N` (start-up benchmark).
    pub exit_after_first_frame: bool,
}

/// The devices the window works with; any may be missing.
#[derive(Default)]
pub struct Devices {
    pub forecourt: Option<crate::devices::forecourt::Forecourt>,
    pub tanks: Option<crate::devices::tanks::TankMonitor>,
    pub printer: Option<crate::devices::printer::Printer>,
    pub display: Option<crate::devices::display::CustomerDisplay>,
    pub scale: Option<crate::devices::scale::Scale>,
    pub scanner: Option<crate::devices::scanner::Scanner>,
    pub sync: Option<crate::sync::SyncTask>,
    pub card: Option<crate::devices::card::CardTerminal>,
    pub qr: Option<crate::devices::qr::QrProvider>,
    pub site: Option<crate::devices::site::SiteLink>,
}

/// Opens the window on the platform's backend and runs until it is closed.
pub fn run(session: Session, devices: Devices, options: Options, started: std::time::Instant) -> anyhow::Result<()> {
    let gui = Gui::new(session, true)?;
    gui.attach(devices);
    if gui.config.kiosk.is_some() {
        gui.kiosk_begin();
    }
    let window = gui.window.clone_strong();
    // The window opens at the screen's size: asked of the X server, since a counter PC without
    // a window manager answers neither "maximise" nor "full screen".
    if let Some((w, h)) = screen_size() {
        window.window().set_position(slint::PhysicalPosition::new(0, 0));
        window.window().set_size(slint::PhysicalSize::new(w, h));
    }
    if options.fullscreen {
        window.window().set_fullscreen(true);
    } else {
        window.window().set_maximized(true);
    }
    if options.exit_after_first_frame {
        let notified = window.window().set_rendering_notifier(move |state, _| {
            if matches!(state, slint::RenderingState::AfterRendering) {
                println!("first_frame_ms={}", started.elapsed().as_millis());
                let _ = slint::quit_event_loop();
            }
        });
        if notified.is_err() {
            // The software renderer has no rendering notifier (Slint 1.18). The window's first
            // redraw is handled in the event loop's first turn; ask for another and report on
            // the second turn, so the number is an upper bound of the first frame.
            let w = window.as_weak();
            slint::Timer::single_shot(std::time::Duration::ZERO, move || {
                if let Some(w) = w.upgrade() {
                    w.window().request_redraw();
                }
                slint::Timer::single_shot(std::time::Duration::ZERO, move || {
                    println!("first_frame_ms={}", started.elapsed().as_millis());
                    let _ = slint::quit_event_loop();
                });
            });
        }
    }
    let _watchdog = systemd_notifications(&window);
    window.run()?;
    Ok(())
}

/// Under systemd: `READY=1` once the window has drawn (the event loop's second turn, as the
/// start-up benchmark counts it), and `WATCHDOG=1` from a timer of this event loop, so a
/// window that hangs stops the pings. The timer lives as long as what this returns.
fn systemd_notifications(window: &till_ui::MainWindow) -> Option<slint::Timer> {
    let notifier = std::rc::Rc::new(crate::notify::Notifier::from_env()?);
    let ready = notifier.clone();
    let w = window.as_weak();
    slint::Timer::single_shot(std::time::Duration::ZERO, move || {
        if let Some(w) = w.upgrade() {
            w.window().request_redraw();
        }
        slint::Timer::single_shot(std::time::Duration::ZERO, move || ready.notify("READY=1"));
    });
    let every = crate::notify::watchdog_from_env()?;
    tracing::info!("systemd watchdog: a ping every {} ms", every.as_millis());
    let timer = slint::Timer::default();
    timer.start(slint::TimerMode::Repeated, every, move || notifier.notify("WATCHDOG=1"));
    Some(timer)
}

/// The root window's size in physical pixels, or `None` when no X server answers (Wayland,
/// tests, a headless machine).
fn screen_size() -> Option<(u32, u32)> {
    use x11rb::connection::Connection;
    std::env::var_os("DISPLAY")?;
    let (conn, screen) = x11rb::connect(None).ok()?;
    let root = conn.setup().roots.get(screen)?;
    let (w, h) = (u32::from(root.width_in_pixels), u32::from(root.height_in_pixels));
    (w > 0 && h > 0).then_some((w, h))
}
