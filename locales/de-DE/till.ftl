# Till — Deutsch (Deutschland)

app-title = Till

## Status bar
status-signed-out = Nicht angemeldet
status-shift-open = Schicht seit { $time }
status-no-shift = Keine Schicht offen
status-demo = DEMO
chip-printer = Drucker
chip-pumps = Zapfsäulen
chip-sync = Sync
printer-not-printed = Beleg { $no } wurde nicht gedruckt ({ $reason }); er liegt in der Nachdruck-Warteschlange
printer-ready = bereit
printer-paper_out = Papier leer
printer-no_answer = antwortet nicht
printer-queue = { $count } nachzudrucken
chip-not-configured = nicht eingerichtet
chip-unsent = { $count } nicht gesendet

## Sign-in
login-title = Anmelden
login-choose-user = Namen antippen, dann PIN eingeben
login-pin-only = Nur PIN
login-enter-pin = PIN eingeben
login-sign-in = Anmelden
login-language = Sprache
login-theme = Darstellung
theme-light = Hell
theme-dark = Dunkel
theme-contrast = Hoher Kontrast
key-clear = Löschen
key-delete = Zurück
role-cashier = Kassierer
role-manager = Filialleitung
role-kiosk = Selbstbedienung
key-enter = Eingabe

## Shift
shift-open-title = Schicht eröffnen
shift-float = Wechselgeld in der Kasse
shift-open = Schicht eröffnen
shift-close = Schicht abschließen
shift-counted = Gezähltes Bargeld in der Kasse
shift-closed = Schicht abgeschlossen: Soll { $expected }, gezählt { $counted }, Differenz { $difference }
sign-out = Abmelden

## Sale
sale-no-sale = Kasse öffnen
sale-empty = Artikel scannen oder antippen
sale-subtotal = Zwischensumme
sale-discount = Rabatt
sale-tax = MwSt.
sale-total = Summe
sale-pay = Bezahlen
sale-void = Position stornieren
sale-qty = Menge
sale-line-discount = Positionsrabatt
sale-ticket-discount = Bonrabatt
sale-hold = Parken
sale-recall = Geparkte
sale-cancel = Bon abbrechen
sale-search = Artikel suchen
sale-all = Alle
sale-times = ×
sale-plu = PLU / Art.-Nr.
sale-voided = STORNO
sale-age-needed = Alterskontrolle { $age }+
sale-percent = %
sale-amount = Betrag
sale-apply = Übernehmen
sale-close = Schließen
sale-held = Bon geparkt
sale-no-held = Keine geparkten Bons

## Age check
age-title = Alterskontrolle: { $age }+
age-born-on-or-before = Kunde muss geboren sein am oder vor dem
age-confirm = Alt genug
age-refuse = Nicht alt genug

## Manager approval
manager-title = Freigabe durch Filialleitung
manager-prompt = Dafür ist eine Freigabe nötig. PIN der Filialleitung:
manager-approve = Freigeben

## Pumps
pump-label = Säule { $n }
pump-idle = Frei
pump-calling = Ruft
pump-authorized = Freigegeben
pump-filling = Tankt
pump-completed = Bezahlen
pump-stopped = Gestoppt
pump-offline = Offline
pump-error = Fehler
pump-stop-all = ALLE STOPP
pump-action-stop = Stopp
pump-action-authorize = Freigeben
pump-action-authorize-volume = Freigeben mit Litern
pump-action-prepay = Vorauszahlung
pump-action-add = Auf den Bon
pump-action-drive-off = Tankbetrug
pump-action-pump-test = Pumpentest
pump-action-resume = Fortsetzen
pump-more = Mehr: Säule { $n }
pump-prepay-settled = Säule { $n } Vorauszahlung abgerechnet: { $amount } zurückgeben
pump-prepay-hint = Erst den Betrag eintippen, dann Vorauszahlung
pump-screen = Säulen und Tanks
tank-label = Tank { $n }
tank-low_level = Niedriger Stand
tank-high_water = Wasser hoch
tank-gauge_alarm = Sondenalarm
tank-free = frei
tank-water = Wasser
tank-none = Keine Tankmessung
pump-authorize-all = Alle rufenden freigeben
prices-title = Kraftstoffpreise
prices-button = Preise
prices-send = An die Säulen senden
prices-set = { $grade }: { $price } je Liter, an jede Säule, sobald sie frei ist
forecourt-back = Zurück zum Verkauf

## Customer display (2 x 20, plain Latin letters)
display-total = Summe
display-paid = Gegeben
display-change = Rueckgeld
display-welcome = Willkommen!

## Scale
scale-weighing = { $name } wird gewogen…
scale-overload = Die Waage ist überlastet
scale-underload = Nichts auf der Waage
scale-unstable = Das Gewicht wird nicht ruhig
scale-no-answer = Die Waage antwortet nicht
scale-unit = Die Waage wiegt nicht in kg oder g

## Tender
tender-title = Zahlung
tender-due = Zu zahlen
tender-exact = Passend
tender-card = Karte
tender-cash = Bar
tender-paid = Bezahlt
tender-remaining = Noch offen
tender-back = Zurück zum Bon
tender-change = Rückgeld { $amount }
tender-no-change = Kein Rückgeld
tender-other = Anderer Betrag

## Receipt
receipt-title = Beleg
receipt-new-sale = Nächster Kunde
receipt-reprint = Letzten Beleg drucken
receipt-no = Beleg { $no }
receipt-refund-no = Erstattung { $no } (zu Beleg { $of })
receipt-cashier = Kassierer { $name }
receipt-terminal = Kasse { $id }
receipt-subtotal = Zwischensumme
receipt-discount = Rabatt
receipt-total = SUMME
receipt-tax-title = Enthaltene MwSt.
receipt-tax-added = MwSt.
receipt-net = Netto
receipt-paid-cash = Bar
receipt-paid-card = Karte
receipt-change = Rückgeld
receipt-rounding = Rundung
receipt-voided = STORNO
receipt-line-discount = Rabatt
receipt-thanks = Vielen Dank für Ihren Besuch!
receipt-tax-id = USt-IdNr. { $id }

## Errors
error-not-logged-in = Bitte zuerst anmelden.
error-already-logged-in = { $name } ist angemeldet. Bitte zuerst abmelden.
error-wrong-pin = Falsche PIN. Bitte erneut versuchen.
error-wrong-pin-attempts = Falsche PIN ({ $attempts } von { $max } Versuchen).
error-locked = { $name } ist nach zu vielen falschen PINs für { $seconds } s gesperrt.
error-pad-locked = Zu viele falsche PINs an dieser Kasse. Die PIN-Eingabe ist für { $seconds } s gesperrt.
error-not-approver = { $name } darf diesen Rabatt nicht freigeben.
error-ticket-too-large = Der Bon würde mehr ergeben, als die Kasse annehmen kann.
error-no-shift = Keine Schicht offen. Bitte zuerst eine Schicht eröffnen.
error-shift-open = Es ist bereits eine Schicht offen.
error-not-permitted = Dafür fehlt die Berechtigung.
error-discount-limit = Ein Rabatt von { $pct } % ist mehr als erlaubt (bis { $max } %).
error-ticket-open = Bitte den Bon erst abschließen oder abbrechen.
error-unknown-code = Kein Artikel hat den Code { $code }.
error-bad-code = Der Code { $code } ist ungültig (Prüfziffer oder Länge falsch).
error-age = Bitte zuerst das Alter des Kunden bestätigen.
error-card-over = Eine Kartenzahlung darf nicht höher sein als der offene Betrag.
error-locked-ticket = Es wurde schon bezahlt; Zahlung abschließen oder Bon abbrechen.
error-bad-quantity = Diese Menge ist für den Artikel nicht möglich.
error-bad-discount = Dieser Rabatt ist hier nicht möglich.
error-nothing = Nichts zu tun.
error-save = Der Verkauf konnte nicht gespeichert werden. Nichts wurde gebucht; bitte erneut versuchen.
error-store-halted = Verkauf gestoppt: Die Datendateien der Kasse wurden im Betrieb verändert. Bitte Schichtleitung rufen und Till neu starten.
error-no-pumps = An dieser Kasse sind keine Zapfsäulen eingerichtet.
error-no-such-pump = Es gibt keine Zapfsäule { $n }.
error-pump-state = Zapfsäule { $n }: { $state } – jetzt nicht möglich.
error-tickets-held = { $count } Bon(s) geparkt: erst aufrufen und abschließen oder abbrechen.
error-shift-not-clear = Die Schicht kann noch nicht geschlossen werden: { $detail }
error-generic = { $detail }

# Device health
chip-devices = Geräte
printer-offline = nicht verbunden
printer-connecting = verbindet
printer-cover_open = Deckel offen
printer-drawer-open = Lade offen
device-display = Kundenanzeige
device-scale = Waage
device-scanner = Scanner
device-tanks = Tankmessung
device-pump-line = Zapfsäulenleitung
device-offline = nicht verbunden
device-connecting = verbindet
device-all-ready = alle bereit

# Device settings
devices-title = Geräte
devices-back = Zurück
devices-apply = Übernehmen
devices-not-attached = nicht angeschlossen
devices-simulated = simuliert
devices-saved = { $device }: gespeichert und verbunden
devices-testing = Test läuft…
devices-test-page = Testseite
devices-open-drawer = Lade öffnen
devices-show-text = Text zeigen
devices-read-weight = Gewicht lesen
devices-drawer-kicked = Lade-Impuls gesendet
devices-test-text = Anzeigetest 1234
devices-text-shown = Text an die Anzeige gesendet
devices-code-valid = gültig
devices-scanned = Gescannt { $code }: { $verdict }
device-printer = Bondrucker
device-ready = bereit
device-no_answer = antwortet nicht
device-paper_out = Papier leer
device-cover_open = Deckel offen

# Central sync
sync-title = Abgleich mit der Zentrale
sync-never = nie
sync-auth-failed = Token abgelehnt
sync-failing = gestört
sync-ok-at = abgeglichen { $time }
sync-parked-count = { $count } abgelehnt
sync-last-success = Letzter erfolgreicher Abgleich: { $time }
sync-last-error = Letzter Fehler: { $error }
sync-pricebook = Preisliste: { $version }
sync-pricebook-unknown = Dieser Kasse unbekannt: { $list }
sync-parked-title = Von der Zentrale abgelehnt
sync-none-parked = Nichts wurde abgelehnt.
sync-retry = Erneut senden
sync-retry-all = Alle erneut senden
event-sale = Verkauf
event-refund = Erstattung
event-shift_open = Schicht geöffnet
event-shift_close = Schicht geschlossen
event-drive_off = Tankbetrug
event-pump_test = Zapfsäulentest
event-fuel_price = Kraftstoffpreis
sync-starting = verbindet

# Screens at arm's length
devices-port-simulated = Simuliert: Anschluss eingeben, um das echte Gerät zu nutzen
devices-port-none = Kein Anschluss: einen eingeben, um das Gerät anzuschließen
pump-paid = Bezahlt
message-dismiss = Meldung schließen
sale-keyboard = Bildschirmtastatur
key-decimal = Komma
sale-qty-times = Menge für den nächsten Artikel
hint-times = Menge eingeben, × tippen, dann den Artikel.
hint-qty = Neue Menge eingeben, dann Menge tippen.
hint-select-line = Zuerst eine Zeile des Bons antippen.
hint-discount = Rabatt in Prozent eingeben, dann Rabatt tippen.
hint-weigh-no-scale = { $name } wird nach Gewicht verkauft: Gewicht eingeben, × tippen, dann den Artikel.
error-needs-weight = { $name } wird nach Gewicht verkauft: wiegen oder das Gewicht eingeben.
manager-reason-discount = Rabatt von { $pct } % auf diesen Bon freigeben. { $user } darf bis { $max } % geben.
close-title = Schicht abschließen
close-count = Bargeld in der Kasse zählen und die Summe eingeben. Der Sollbestand erscheint nach dem Abschluss.
close-counted = Gezähltes Bargeld
close-confirm = Mit diesem Betrag abschließen
confirm-close-text = Schicht mit { $counted } gezähltem Bargeld abschließen? Das lässt sich nicht rückgängig machen.
summary-title = Schicht abgeschlossen ({ $from } – { $to })
summary-float = Wechselgeld
summary-cash-net = Barverkäufe (netto)
summary-expected = Soll in der Kasse
summary-counted = Gezählt
summary-short = Fehlbetrag
summary-over = Überschuss
summary-even = Differenz
summary-done = Fertig
recall-title = Geparkte Bons
recall-when = geparkt um { $time } · { $items } Artikel
confirm-no = Zurück
confirm-cancel-title = Bon stornieren?
confirm-cancel-text = Alle { $items } Artikel, zusammen { $total }, werden vom Bon entfernt.
confirm-cancel-paid-text = Alle { $items } Artikel werden entfernt und die bereits gezahlten { $paid } zurückgegeben.
confirm-cancel-yes = Bon stornieren
prices-choose = Sorte wählen, neuen Literpreis eingeben.
prices-new = Neuer Preis
confirm-price-text = { $grade } von { $old } auf { $price } je Liter setzen? Jede Zapfsäule übernimmt den Preis, sobald sie frei ist.
pump-prepaid = Vorkasse { $amount }
pump-action-authorize-amount = Freigeben { $amount }
pump-action-prepay-amount = Vorkasse { $amount }
pump-action-authorize-litres = Freigeben { $litres } l
pump-action-cancel-prepay = Vorkasse stornieren und auszahlen
pump-menu-hint = Für Vorwahl oder Vorkasse zuerst einen Betrag eingeben.
confirm-drive-off-title = Tankbetrug erfassen?
confirm-drive-off-text = Die Betankung an Zapfsäule { $n } ({ $amount }) wird als nicht bezahlt erfasst und die Säule freigegeben.
pump-drive-off-done = Tankbetrug an Zapfsäule { $n } erfasst.
confirm-cancel-prepay-text = { $amount } an den Kunden auszahlen und Zapfsäule { $n } freigeben?
confirm-cancel-prepay-yes = Auszahlen
tender-remove = Zahlung entfernen
tender-cash-entry = Bar, eingegebener Betrag
confirm-remove-payment-title = Diese Zahlung entfernen?
confirm-remove-payment-text = { $method } { $amount } wird vom Bon genommen. Bitte dem Kunden zurückgeben.
confirm-remove-payment-yes = Zahlung entfernen
date-long = { $day }. { $month } { $year }
month-1 = Januar
month-2 = Februar
month-3 = März
month-4 = April
month-5 = Mai
month-6 = Juni
month-7 = Juli
month-8 = August
month-9 = September
month-10 = Oktober
month-11 = November
month-12 = Dezember
tax-vat = MwSt.
tax-energy-tax = Energiesteuer
confirm-a11y = Bestätigen:

# Service additions
error-no-such-payment = Auf diesem Bon gibt es keine Zahlung { $n }.
error-unknown-language = Die Sprache { $language } gibt es an dieser Kasse nicht.
error-unknown-theme = Die Darstellung { $theme } gibt es an dieser Kasse nicht (Hell, Dunkel, Hoher Kontrast).
