//! Helpers for the UI tests: the real window on Slint's testing backend with the software
//! renderer, driven through accessible labels as a person's taps would be.

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementQuery, TestingBackend, TestingBackendOptions};
use slint::ComponentHandle;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use till::config::Config;
use till::gui::Gui;
use till::service::Session;

/// Sets up the testing platform (once per process) and opens Till on a fresh demo store.
pub fn open(dir: &Path) -> Rc<Gui> {
    open_with(dir, Config::demo().expect("demo config"))
}

/// Opens Till with this configuration on a fresh store in `dir`.
pub fn open_with(dir: &Path, config: Config) -> Rc<Gui> {
    let _ = slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    })));
    let session = Session::open(config, dir).expect("session");
    let gui = Gui::new(session, false).expect("window");
    gui.window().window().set_size(slint::PhysicalSize::new(1024, 768));
    gui.window().show().expect("show");
    gui
}

fn buttons(gui: &Gui, label: &str) -> Vec<ElementHandle> {
    ElementQuery::from_root(gui.window())
        .match_accessible_role(AccessibleRole::Button)
        .match_predicate({
            let label = label.to_string();
            move |e| e.accessible_label().as_deref() == Some(label.as_str())
        })
        .find_all()
}

/// Taps the button with this accessible label; panics when there is none or it is disabled.
pub fn tap(gui: &Gui, label: &str) {
    let found = buttons(gui, label);
    let b = found.first().unwrap_or_else(|| {
        let all: Vec<String> = ElementQuery::from_root(gui.window())
            .match_accessible_role(AccessibleRole::Button)
            .find_all()
            .iter()
            .filter_map(|e| e.accessible_label().map(|l| l.to_string()))
            .collect();
        panic!("no button labelled '{label}'; the buttons: {all:?}")
    });
    assert!(b.accessible_enabled().unwrap_or(true), "button '{label}' is disabled");
    b.invoke_accessible_default_action();
}

pub fn has_button(gui: &Gui, label: &str) -> bool {
    !buttons(gui, label).is_empty()
}

pub fn tap_digits(gui: &Gui, digits: &str) {
    for d in digits.chars() {
        tap(gui, &d.to_string());
    }
}

/// The accessible value of the element with this label (texts show their value there).
pub fn value(gui: &Gui, label: &str) -> String {
    ElementHandle::find_by_accessible_label(gui.window(), label)
        .filter_map(|e| e.accessible_value())
        .map(|v| v.to_string())
        .next()
        .unwrap_or_default()
}

/// Types on the keyboard, as a keyboard-wedge scanner does.
pub fn type_keys(gui: &Gui, text: &str) {
    use slint::platform::WindowEvent;
    for ch in text.chars() {
        let t: slint::SharedString =
            if ch == '\n' { slint::platform::Key::Return.into() } else { ch.to_string().into() };
        gui.window().window().dispatch_event(WindowEvent::KeyPressed { text: t.clone() });
        gui.window().window().dispatch_event(WindowEvent::KeyReleased { text: t });
    }
}

pub fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("TILL_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots"));
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

/// Renders the window to a PNG; returns the pixels for checks.
pub fn screenshot(gui: &Gui, name: &str) -> slint::SharedPixelBuffer<slint::Rgba8Pixel> {
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(50));
    let shot = gui.window().window().take_snapshot().expect("snapshot");
    let path = screenshot_dir().join(format!("{name}.png"));
    image::save_buffer(&path, shot.as_bytes(), shot.width(), shot.height(), image::ExtendedColorType::Rgba8)
        .expect("write png");
    shot
}
