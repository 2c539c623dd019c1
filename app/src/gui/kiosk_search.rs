//! Finding items at the kiosk: the scanner (a code scanned on the start screen starts in the
//! kiosk's language), and the search: the customer types part of a name on the on-screen
//! keyboard and the tiles show what matches in every category (a view of the catalog the window
//! already holds). What is added goes through the session like a tile's touch.

use super::Gui;
use crate::service::{Command, Outcome};
use std::rc::Rc;

/// The longest search a customer types.
const MAX_SEARCH: usize = 30;

/// `text` after one key of the keyboard: a character, "back" (delete) or "clear".
pub(super) fn search_after(text: &str, key: &str) -> String {
    let mut text = text.to_string();
    match key {
        "back" => {
            text.pop();
        }
        "clear" => text.clear(),
        // No leading space, no two in a row.
        " " if text.is_empty() || text.ends_with(' ') => {}
        k if k.chars().count() == 1 && text.chars().count() < MAX_SEARCH => text.push_str(k),
        _ => {}
    }
    text
}

impl Gui {
    /// A code the kiosk's scanner read: into the basket while shopping (from the start screen
    /// too); ignored while paying or at the pumps. A code nobody knows calls staff (the session).
    pub(super) fn kiosk_scan(&self, code: &str) {
        let ui = self.kiosk_ui();
        let fuel_only = self.config.kiosk.as_ref().is_some_and(|k| k.fuel_only);
        match ui.get_screen().as_str() {
            "shop" => self.kiosk_touch(),
            "attract" if !fuel_only => {
                self.kiosk_touched_now();
                ui.set_screen("shop".into());
            }
            _ => return,
        }
        self.send(Command::Scan { code: code.to_string() }, |g, r| {
            if let Err(e) = r {
                g.show_error(&e);
            }
            g.kiosk_render();
        });
    }

    /// After a refusal at a kiosk: the session may have called a person (a price not found, a
    /// payment failed), so the kiosk's state is asked for again (`yes`).
    pub(super) fn kiosk_look_again(&self, yes: bool) {
        if yes {
            self.call(|s| s.execute(Command::Ticket).or_else(|_| Ok(Outcome::default())), |_, _| {});
        }
    }

    pub(super) fn wire_kiosk_search(&self, with: impl Fn(&dyn Fn(&Rc<Gui>)) + Clone + 'static) {
        let ui = self.kiosk_ui();
        let w = with.clone();
        ui.on_search_toggle(move || {
            w(&|g| {
                g.kiosk_touch();
                let ui = g.kiosk_ui();
                ui.set_search_open(!ui.get_search_open());
            })
        });
        let w = with;
        ui.on_search_key(move |k| {
            w(&|g| {
                g.kiosk_touch();
                let ui = g.kiosk_ui();
                ui.set_search(search_after(&ui.get_search(), &k).into());
                g.kiosk_render();
            })
        });
    }
}

#[cfg(test)]
mod tests {
    use super::search_after;

    #[test]
    fn keys_type_delete_and_clear_within_the_limit() {
        assert_eq!(search_after("CO", "L"), "COL");
        assert_eq!(search_after("COL", "back"), "CO");
        assert_eq!(search_after("", "back"), "");
        assert_eq!(search_after("COLA", "clear"), "");
        assert_eq!(search_after("", " "), "", "no leading space");
        assert_eq!(search_after("A ", " "), "A ", "no two spaces");
        assert_eq!(search_after("A", "unknown"), "A");
        let full = "X".repeat(30);
        assert_eq!(search_after(&full, "Y"), full);
    }
}
