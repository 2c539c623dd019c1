//! Numbered, append-only migrations. Never edit a migration that has shipped: add one.

use rusqlite_migration::{Migrations, M};

/// The schema version (`PRAGMA user_version`) a store has after every migration.
pub const LATEST: i64 = 12;

pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
            r#"
CREATE TABLE products (
    sku             TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    category        TEXT NOT NULL,
    price           TEXT NOT NULL,
    tax_class       TEXT NOT NULL,
    unit            TEXT NOT NULL CHECK (unit IN ('each', 'kg', 'litre')),
    age_restriction INTEGER CHECK (age_restriction IS NULL OR age_restriction BETWEEN 1 AND 99)
);
CREATE TABLE barcodes (
    code TEXT PRIMARY KEY,
    sku  TEXT NOT NULL REFERENCES products(sku) ON DELETE CASCADE
);
CREATE INDEX barcodes_sku ON barcodes(sku);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL CHECK (role IN ('cashier', 'manager', 'kiosk')),
    pin_hash        TEXT NOT NULL,
    active          INTEGER NOT NULL DEFAULT 1,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER
);

CREATE TABLE shifts (
    id             INTEGER PRIMARY KEY,
    event_id       TEXT NOT NULL UNIQUE,
    terminal_id    TEXT NOT NULL,
    opened_by      INTEGER NOT NULL REFERENCES users(id),
    opened_at      TEXT NOT NULL,
    float_minor    INTEGER NOT NULL CHECK (float_minor >= 0),
    closed_by      INTEGER REFERENCES users(id),
    closed_at      TEXT,
    counted_minor  INTEGER,
    expected_minor INTEGER
);
CREATE UNIQUE INDEX shifts_one_open ON shifts(terminal_id) WHERE closed_at IS NULL;

CREATE TABLE receipt_counters (
    terminal_id TEXT PRIMARY KEY,
    last_no     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sales (
    id                  INTEGER PRIMARY KEY,
    event_id            TEXT NOT NULL UNIQUE,
    terminal_id         TEXT NOT NULL,
    receipt_no          INTEGER NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('sale', 'refund')),
    refund_of           INTEGER REFERENCES sales(id),
    shift_id            INTEGER NOT NULL REFERENCES shifts(id),
    user_id             INTEGER NOT NULL REFERENCES users(id),
    created_at          TEXT NOT NULL,
    currency            TEXT NOT NULL,
    subtotal_minor      INTEGER NOT NULL,
    discount_minor      INTEGER NOT NULL,
    tax_minor           INTEGER NOT NULL,
    total_minor         INTEGER NOT NULL,
    cash_rounding_minor INTEGER NOT NULL,
    paid_minor          INTEGER NOT NULL,
    change_minor        INTEGER NOT NULL CHECK (change_minor >= 0),
    journal_seq         INTEGER NOT NULL,
    UNIQUE (terminal_id, receipt_no),
    CHECK (paid_minor - change_minor = total_minor + cash_rounding_minor)
);
CREATE INDEX sales_refund_of ON sales(refund_of) WHERE refund_of IS NOT NULL;
CREATE INDEX sales_shift ON sales(shift_id);

CREATE TABLE sale_lines (
    sale_id             INTEGER NOT NULL REFERENCES sales(id),
    line_no             INTEGER NOT NULL,
    kind                TEXT NOT NULL,
    sku                 TEXT NOT NULL,
    name                TEXT NOT NULL,
    unit                TEXT NOT NULL,
    qty                 TEXT NOT NULL,
    unit_price          TEXT NOT NULL,
    tax_class           TEXT NOT NULL,
    gross_minor         INTEGER NOT NULL,
    discount_minor      INTEGER NOT NULL,
    amount_minor        INTEGER NOT NULL,
    ticket_discount_minor INTEGER NOT NULL,
    voided              INTEGER NOT NULL,
    refund_of_line      INTEGER,
    PRIMARY KEY (sale_id, line_no)
) WITHOUT ROWID;

CREATE TABLE sale_taxes (
    sale_id      INTEGER NOT NULL REFERENCES sales(id),
    seq          INTEGER NOT NULL,
    name         TEXT NOT NULL,
    rate         TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (sale_id, seq)
) WITHOUT ROWID;

CREATE TABLE payments (
    sale_id      INTEGER NOT NULL REFERENCES sales(id),
    seq          INTEGER NOT NULL,
    method       TEXT NOT NULL CHECK (method IN ('cash', 'card')),
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (sale_id, seq)
) WITHOUT ROWID;

-- The hash-chained journal. Append-only: the triggers refuse UPDATE and DELETE, and the hash
-- chain makes any edit that bypasses them visible to `till journal verify`.
CREATE TABLE journal (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;

-- The last entry, written in the same transaction as each append, so that a journal cut
-- short at its end is noticed too.
CREATE TABLE journal_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);

-- Events for the central endpoint, written in the same transaction as what they describe.
-- Rows are never deleted, so the rowid keeps outbox order without AUTOINCREMENT; event ids are
-- unique already in the tables the events come from.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    event_id   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"#,
        ),
        // 2: receipts that did not print (paper out, cover open, no answer), printed again later.
        M::up(
            r#"
CREATE TABLE reprint_queue (
    id         INTEGER PRIMARY KEY,
    receipt_no INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    queued_at  TEXT NOT NULL,
    printed_at TEXT
);
CREATE INDEX reprint_pending ON reprint_queue(printed_at) WHERE printed_at IS NULL;
"#,
        ),
        // 3: devices assigned on the device settings screen; they override the configuration.
        // An empty port means "not attached".
        M::up(
            r#"
CREATE TABLE device_settings (
    device     TEXT PRIMARY KEY CHECK (device IN ('printer', 'display', 'scale', 'scanner')),
    port       TEXT NOT NULL,
    protocol   TEXT,
    changed_by INTEGER NOT NULL REFERENCES users(id),
    changed_at TEXT NOT NULL
);
"#,
        ),
        // 4: central sync. Each outbox event is pending, sent or parked (refused by the server,
        // with its reason); the sync state and the price book's schedule survive restarts.
        M::up(
            r#"
ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'parked'));
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
ALTER TABLE outbox ADD COLUMN sent_at TEXT;
CREATE UNIQUE INDEX outbox_event ON outbox(event_id);
CREATE INDEX outbox_pending ON outbox(id) WHERE state = 'pending';
CREATE INDEX outbox_parked ON outbox(id) WHERE state = 'parked';

CREATE TABLE sync_status (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    last_success_at TEXT,
    last_error      TEXT,
    last_error_at   TEXT,
    pricebook_etag  TEXT,
    pricebook_version TEXT
);
INSERT INTO sync_status (id) VALUES (1);

-- Prices from the central price book, applied when their time comes.
CREATE TABLE price_schedule (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('item', 'fuel')),
    key          TEXT NOT NULL,
    price        TEXT NOT NULL,
    effective_at TEXT NOT NULL,
    version      TEXT NOT NULL,
    applied_at   TEXT,
    UNIQUE (kind, key, effective_at)
);
CREATE INDEX price_schedule_due ON price_schedule(effective_at) WHERE applied_at IS NULL;
"#,
        ),
        // 5: fuel prices in force (changed by a manager or by the price book) survive restarts;
        // they override the configuration file's.
        M::up(
            r#"
CREATE TABLE fuel_prices (
    grade      TEXT PRIMARY KEY,
    price      TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    source     TEXT NOT NULL CHECK (source IN ('manager', 'pricebook'))
);
"#,
        ),
        // 6: held (parked) tickets survive a restart; prepayments still to settle are found by
        // an index instead of a scan of every line ever sold.
        M::up(
            r#"
CREATE TABLE held_tickets (
    id          INTEGER PRIMARY KEY,
    terminal_id TEXT NOT NULL,
    held_by     INTEGER NOT NULL REFERENCES users(id),
    held_at     TEXT NOT NULL,
    ticket      TEXT NOT NULL
);
CREATE INDEX sale_lines_prepay ON sale_lines(sale_id) WHERE kind = 'prepay';
"#,
        ),
        // 7: the terminal's PIN pad: wrong PINs entered without a user name (sign-in by PIN
        // alone, a manager's approval) count here, and lock the pad for everyone.
        M::up(
            r#"
CREATE TABLE pin_pad (
    terminal_id    TEXT PRIMARY KEY,
    failed         INTEGER NOT NULL DEFAULT 0,
    last_failed_at INTEGER,
    locked_until   INTEGER
);

-- The store's identity (also kept in till.id beside the file), and in each sale, refund and
-- shift entry of the journal a digest of the rows it stands for; shifts name their entries.
CREATE TABLE store_meta (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    store_id TEXT NOT NULL
);
ALTER TABLE journal ADD COLUMN rows_hash TEXT;
ALTER TABLE shifts ADD COLUMN open_seq INTEGER;
ALTER TABLE shifts ADD COLUMN close_seq INTEGER;
UPDATE shifts SET open_seq = (SELECT j.seq FROM journal j WHERE j.kind = 'shift_open'
                              AND instr(j.payload, shifts.event_id) > 0 ORDER BY j.seq LIMIT 1);
UPDATE shifts SET close_seq = (SELECT j.seq FROM journal j WHERE j.kind = 'shift_close'
                               AND j.terminal_id = shifts.terminal_id
                               AND instr(j.payload, '"shift_opened_at":"' || shifts.opened_at || '"') > 0
                               ORDER BY j.seq LIMIT 1)
 WHERE closed_at IS NOT NULL;
"#,
        ),
        // 8: the remembered look (language and theme): the terminal's own, and each user's,
        // keyed by scope ("terminal:<id>" or "user:<id>"); a missing column means "not chosen".
        M::up(
            r#"
CREATE TABLE looks (
    scope      TEXT PRIMARY KEY,
    language   TEXT,
    theme      TEXT,
    changed_at TEXT NOT NULL
);
"#,
        ),
        // 9: card payments through a terminal. An intent is durable before the terminal is asked;
        // `card_payments` ties a stored sale's payment to the intent it settled, at most once.
        M::up(
            r#"
CREATE TABLE card_intents (
    id            INTEGER PRIMARY KEY,
    reference     TEXT NOT NULL UNIQUE,
    terminal_id   TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('payment', 'refund', 'reversal')),
    amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
    state         TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'committed', 'declined', 'reversed', 'unclear',
                                                'reversed_after_sale', 'unconfirmed', 'returned')),
    ticket        TEXT,
    result_code   INTEGER,
    pt_receipt    INTEGER,
    trace         INTEGER,
    pan           TEXT,
    card_name     TEXT,
    auth_code     TEXT,
    sale_id       INTEGER REFERENCES sales(id),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX card_intents_open ON card_intents(terminal_id) WHERE state IN ('pending', 'approved', 'unclear');
CREATE TABLE card_payments (
    sale_id   INTEGER NOT NULL REFERENCES sales(id),
    seq       INTEGER NOT NULL,
    intent_id INTEGER NOT NULL UNIQUE REFERENCES card_intents(id),
    PRIMARY KEY (sale_id, seq)
) WITHOUT ROWID;
-- Each end-of-day of the card terminal: its total against the till's card payments since the
-- one before (intents after `last_intent`).
CREATE TABLE card_days (
    id             INTEGER PRIMARY KEY,
    terminal_id    TEXT NOT NULL,
    at             TEXT NOT NULL,
    terminal_minor INTEGER NOT NULL,
    till_minor     INTEGER NOT NULL,
    count          INTEGER NOT NULL,
    last_intent    INTEGER NOT NULL
);
"#,
        ),
        // 10: the manager's day. Cash that moves without a sale, every count (kept, never
        // replaced), fuel deliveries, tank readings, and the Z reports: numbered per terminal
        // without a gap in the transaction that closes the day, and never changed.
        M::up(
            r#"
CREATE TABLE cash_movements (
    id           INTEGER PRIMARY KEY,
    event_id     TEXT NOT NULL UNIQUE,
    terminal_id  TEXT NOT NULL,
    shift_id     INTEGER NOT NULL REFERENCES shifts(id),
    kind         TEXT NOT NULL CHECK (kind IN ('pay_in', 'pay_out', 'safe_drop', 'safe_loan', 'no_sale')),
    method       TEXT NOT NULL DEFAULT 'cash',
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    reason       TEXT NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    at           TEXT NOT NULL,
    journal_seq  INTEGER NOT NULL
);
CREATE INDEX cash_movements_shift ON cash_movements(shift_id);
CREATE TABLE counts (
    id             INTEGER PRIMARY KEY,
    event_id       TEXT NOT NULL UNIQUE,
    shift_id       INTEGER NOT NULL REFERENCES shifts(id),
    attempt        INTEGER NOT NULL,
    purpose        TEXT NOT NULL CHECK (purpose IN ('close', 'handover')),
    method         TEXT NOT NULL,
    counted_minor  INTEGER NOT NULL CHECK (counted_minor >= 0),
    expected_minor INTEGER NOT NULL,
    pieces         TEXT,
    user_id        INTEGER NOT NULL REFERENCES users(id),
    at             TEXT NOT NULL,
    UNIQUE (shift_id, attempt, method)
);
CREATE TRIGGER counts_no_update BEFORE UPDATE ON counts
BEGIN SELECT RAISE(ABORT, 'a count is kept as it was entered'); END;
CREATE TRIGGER counts_no_delete BEFORE DELETE ON counts
BEGIN SELECT RAISE(ABORT, 'a count is kept as it was entered'); END;
ALTER TABLE shifts ADD COLUMN approved_by INTEGER REFERENCES users(id);
ALTER TABLE shifts ADD COLUMN close_kind TEXT;
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY,
    event_id    TEXT NOT NULL UNIQUE,
    terminal_id TEXT NOT NULL,
    tank        INTEGER NOT NULL,
    litres      TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('manual', 'gauge')),
    user_id     INTEGER REFERENCES users(id),
    at          TEXT NOT NULL
);
CREATE TABLE tank_readings (
    id          INTEGER PRIMARY KEY,
    terminal_id TEXT NOT NULL,
    tank        INTEGER NOT NULL,
    volume      TEXT NOT NULL,
    phase       TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE TABLE meter_readings (
    id          INTEGER PRIMARY KEY,
    terminal_id TEXT NOT NULL,
    pump        INTEGER NOT NULL,
    volume      TEXT NOT NULL,
    amount      TEXT NOT NULL,
    phase       TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE TABLE z_reports (
    terminal_id TEXT NOT NULL,
    z_no        INTEGER NOT NULL CHECK (z_no > 0),
    event_id    TEXT NOT NULL UNIQUE,
    at          TEXT NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    last_shift  INTEGER NOT NULL,
    report      TEXT NOT NULL,
    journal_seq INTEGER NOT NULL,
    PRIMARY KEY (terminal_id, z_no)
) WITHOUT ROWID;
CREATE TRIGGER z_reports_no_update BEFORE UPDATE ON z_reports
BEGIN SELECT RAISE(ABORT, 'a stored Z report is never changed'); END;
CREATE TRIGGER z_reports_no_delete BEFORE DELETE ON z_reports
BEGIN SELECT RAISE(ABORT, 'a stored Z report is never changed'); END;
ALTER TABLE sale_lines ADD COLUMN pump INTEGER;
CREATE INDEX sales_terminal_created ON sales(terminal_id, created_at);
CREATE INDEX sales_total ON sales(terminal_id, total_minor);
"#,
        ),
        // QR wallet payments use the same intents as card payments: `method` says which, and
        // `ending` how a QR payment that was not paid ended (failed, expired, cancelled).
        M::up(
            r#"
ALTER TABLE card_intents ADD COLUMN method TEXT NOT NULL DEFAULT 'card' CHECK (method IN ('card', 'qr'));
ALTER TABLE card_intents ADD COLUMN ending TEXT CHECK (ending IN ('failed', 'expired', 'cancelled'));
-- The receipt the card terminal sent to print (JSON list of lines).
ALTER TABLE card_intents ADD COLUMN receipt_lines TEXT;
-- Meters per nozzle (with the nozzle's grade); a row without a nozzle is the whole pump's.
ALTER TABLE meter_readings ADD COLUMN nozzle INTEGER;
ALTER TABLE meter_readings ADD COLUMN grade TEXT;
-- A delivery the gauge reported: its times on the gauge's clock (each stored once); the ones
-- a gauge reports when first heard from are its history and not counted.
ALTER TABLE deliveries ADD COLUMN gauge_start TEXT;
ALTER TABLE deliveries ADD COLUMN gauge_end TEXT;
ALTER TABLE deliveries ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;
CREATE TABLE gauge_contact (terminal_id TEXT PRIMARY KEY, first_at TEXT NOT NULL);
CREATE UNIQUE INDEX deliveries_gauge ON deliveries(terminal_id, tank, gauge_start, gauge_end) WHERE source = 'gauge';
-- A sale's payments may be QR wallet payments too (the table is rebuilt: SQLite cannot change
-- a CHECK; nothing refers to it).
CREATE TABLE payments_new (
    sale_id      INTEGER NOT NULL REFERENCES sales(id),
    seq          INTEGER NOT NULL,
    method       TEXT NOT NULL CHECK (method IN ('cash', 'card', 'qr')),
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (sale_id, seq)
) WITHOUT ROWID;
INSERT INTO payments_new (sale_id, seq, method, amount_minor) SELECT sale_id, seq, method, amount_minor FROM payments;
DROP TABLE payments;
ALTER TABLE payments_new RENAME TO payments;
"#,
        ),
        // Pay-at-pump: a card reservation for a pump, durable before the terminal is asked, then
        // reserved (the pump authorized), booking (the sale stored in the same transaction),
        // booked, or released / declined. One open reservation per pump.
        M::up(
            r#"
CREATE TABLE pump_reservations (
    id           INTEGER PRIMARY KEY,
    reference    TEXT NOT NULL UNIQUE,
    terminal_id  TEXT NOT NULL,
    pump         INTEGER NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    state        TEXT NOT NULL CHECK (state IN ('asking', 'reserved', 'booking', 'booked', 'released', 'declined')),
    result_code  INTEGER,
    pt_receipt   INTEGER,
    trace        INTEGER,
    pan          TEXT,
    card_name    TEXT,
    auth_code    TEXT,
    filled_minor INTEGER,
    sale_id      INTEGER REFERENCES sales(id),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX pump_reservations_open ON pump_reservations(terminal_id, pump)
    WHERE state IN ('asking', 'reserved', 'booking');
ALTER TABLE card_days ADD COLUMN last_reservation INTEGER NOT NULL DEFAULT 0;
"#,
        ),
    ])
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }

    #[test]
    fn latest_is_the_number_of_migrations() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::migrations().to_latest(&mut conn).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, super::LATEST, "add a migration: raise LATEST with it");
    }
}
