# Till — English (United States)

app-title = Till

## Status bar
status-signed-out = Not signed in
status-shift-open = Shift since { $time }
status-no-shift = No shift open
status-demo = DEMO
chip-printer = Printer
chip-pumps = Pumps
chip-sync = Sync
printer-not-printed = Receipt { $no } did not print ({ $reason }); it is in the reprint queue
printer-ready = ready
printer-paper_out = paper out
printer-no_answer = not answering
printer-queue = { $count } to reprint
chip-not-configured = not configured
chip-unsent = { $count } unsent

## Sign-in
login-title = Sign in
login-choose-user = Tap your name, then enter your PIN
login-pin-only = PIN only
login-enter-pin = Enter PIN
login-sign-in = Sign in
login-language = Language
login-theme = Theme
theme-light = Light
theme-dark = Dark
theme-contrast = High contrast
key-clear = Clear
key-delete = Delete
role-cashier = Cashier
role-manager = Manager
role-kiosk = Self-service
key-enter = Enter

## Shift
shift-open-title = Open a shift
shift-float = Cash float in the drawer
shift-open = Open shift
shift-close = Close shift
shift-counted = Counted cash in the drawer
shift-closed = Shift closed: expected { $expected }, counted { $counted }, difference { $difference }
sign-out = Sign out

## Sale
sale-no-sale = Open drawer
sale-empty = Scan an item or tap a product
sale-subtotal = Subtotal
sale-discount = Discount
sale-tax = Tax
sale-total = Total
sale-pay = Pay
sale-void = Void line
sale-qty = Quantity
sale-line-discount = Line discount
sale-ticket-discount = Ticket discount
sale-hold = Hold
sale-recall = Recall
sale-cancel = Cancel ticket
sale-search = Search products
sale-all = All
sale-times = ×
sale-plu = PLU / SKU
sale-voided = VOID
sale-age-needed = Age check { $age }+
sale-percent = %
sale-amount = Amount
sale-apply = Apply
sale-close = Close
sale-held = Ticket held
sale-no-held = No held tickets

## Age check
age-title = Age check: { $age }+
age-born-on-or-before = Customer must be born on or before
age-confirm = Old enough
age-refuse = Not old enough

## Manager approval
manager-title = Manager approval
manager-prompt = This needs a manager. Manager PIN:
manager-approve = Approve

## Pumps
pump-label = Pump { $n }
pump-idle = Idle
pump-calling = Calling
pump-authorized = Authorized
pump-filling = Filling
pump-completed = Pay now
pump-stopped = Stopped
pump-offline = Offline
pump-error = Error
pump-stop-all = STOP ALL
pump-action-stop = Stop
pump-action-authorize = Authorize
pump-action-authorize-volume = Authorize with litres
pump-action-prepay = Prepay
pump-action-add = Put on ticket
pump-action-drive-off = Drive-off
pump-action-pump-test = Pump test
pump-action-resume = Resume
pump-more = More: pump { $n }
pump-prepay-settled = Pump { $n } prepay settled: give back { $amount }
pump-prepay-hint = Key in the amount first, then tap Prepay
pump-screen = Pumps and tanks
tank-label = Tank { $n }
tank-low_level = Low level
tank-high_water = High water
tank-gauge_alarm = Gauge alarm
tank-free = free
tank-water = water
tank-none = No tank gauge
pump-authorize-all = Authorize all calling
prices-title = Fuel prices
prices-button = Prices
prices-send = Send to pumps
prices-set = { $grade }: { $price } per litre, sent to each pump when it is idle
forecourt-back = Back to sale

## Customer display (2 x 20, plain Latin letters)
display-total = Total
display-paid = Paid
display-change = Change
display-welcome = Welcome!

## Scale
scale-weighing = Weighing { $name }…
scale-overload = The scale is overloaded
scale-underload = Nothing on the scale
scale-unstable = The weight does not settle
scale-no-answer = The scale does not answer
scale-unit = The scale does not weigh in kg or g

## Tender
tender-title = Payment
tender-due = Amount due
tender-exact = Exact
tender-card = Card
tender-cash = Cash
tender-paid = Paid
tender-remaining = Still due
tender-back = Back to ticket
tender-change = Change { $amount }
tender-no-change = No change due
tender-other = Other amount

## Receipt
receipt-title = Receipt
receipt-new-sale = Next customer
receipt-reprint = Reprint last receipt
receipt-no = Receipt { $no }
receipt-refund-no = Refund { $no } (of receipt { $of })
receipt-cashier = Cashier { $name }
receipt-terminal = Terminal { $id }
receipt-subtotal = Subtotal
receipt-discount = Discount
receipt-total = TOTAL
receipt-tax-title = Tax included
receipt-tax-added = Tax
receipt-net = Net
receipt-paid-cash = Cash
receipt-paid-card = Card
receipt-change = Change
receipt-rounding = Cash rounding
receipt-voided = VOID
receipt-line-discount = discount
receipt-thanks = Thank you for your visit!
receipt-tax-id = Tax ID { $id }

## Errors
error-not-logged-in = Please sign in first.
error-already-logged-in = { $name } is signed in. Sign out first.
error-wrong-pin = Wrong PIN. Try again.
error-wrong-pin-attempts = Wrong PIN ({ $attempts } of { $max } attempts).
error-locked = { $name } is locked for { $seconds } s after too many wrong PINs.
error-pad-locked = Too many wrong PINs on this till. PIN entry is locked for { $seconds } s.
error-not-approver = { $name } may not approve this discount.
error-ticket-too-large = The ticket would come to more than the till can take.
error-no-shift = No shift is open. Open a shift first.
error-shift-open = A shift is already open.
error-not-permitted = You are not allowed to do this.
error-discount-limit = A discount of { $pct }% is more than you may give (up to { $max }%).
error-ticket-open = Finish or cancel the ticket first.
error-unknown-code = No product has the code { $code }.
error-bad-code = The code { $code } is not valid (wrong check digit or length).
error-age = Confirm the customer's age first.
error-card-over = A card payment cannot be more than the amount due.
error-locked-ticket = A payment has been taken; finish the payment or cancel the ticket.
error-bad-quantity = That quantity is not possible for this item.
error-bad-discount = That discount is not possible here.
error-nothing = Nothing to do.
error-save = The sale could not be saved. Nothing was recorded; try again.
error-store-halted = Selling has stopped: the till's data files were changed while it ran. Call a manager and restart Till.
error-no-pumps = No pumps are configured on this terminal.
error-no-such-pump = There is no pump { $n }.
error-pump-state = Pump { $n } is { $state }: not possible now.
error-tickets-held = { $count } ticket(s) on hold: recall and finish or cancel them first.
error-shift-not-clear = The shift cannot close yet: { $detail }
error-generic = { $detail }

# Device health
chip-devices = Devices
printer-offline = offline
printer-connecting = connecting
printer-cover_open = cover open
printer-drawer-open = drawer open
device-display = Display
device-scale = Scale
device-scanner = Scanner
device-tanks = Tank gauge
device-pump-line = Pump line
device-offline = offline
device-connecting = connecting
device-all-ready = all ready

# Device settings
devices-title = Devices
devices-back = Back
devices-apply = Apply
devices-not-attached = not attached
devices-simulated = simulated
devices-saved = { $device }: saved and connected
devices-testing = Testing…
devices-test-page = Test page
devices-open-drawer = Open drawer
devices-show-text = Show text
devices-read-weight = Read weight
devices-drawer-kicked = Drawer kick sent
devices-test-text = Display test 1234
devices-text-shown = Text sent to the display
devices-code-valid = valid
devices-scanned = Scanned { $code }: { $verdict }
device-printer = Receipt printer
device-ready = ready
device-no_answer = not answering
device-paper_out = paper out
device-cover_open = cover open

# Central sync
sync-title = Sync with head office
sync-never = never
sync-auth-failed = token refused
sync-failing = failing
sync-ok-at = synced { $time }
sync-parked-count = { $count } refused
sync-last-success = Last successful sync: { $time }
sync-last-error = Last error: { $error }
sync-pricebook = Price book: { $version }
sync-pricebook-unknown = Unknown to this terminal: { $list }
sync-parked-title = Refused by head office
sync-none-parked = Nothing was refused.
sync-retry = Send again
sync-retry-all = Send all again
event-sale = Sale
event-refund = Refund
event-shift_open = Shift opened
event-shift_close = Shift closed
event-drive_off = Drive-off
event-pump_test = Pump test
event-fuel_price = Fuel price
sync-starting = connecting

# Screens at arm's length
devices-port-simulated = Simulated: type a port to use the real device
devices-port-none = No port: type one to attach the device
pump-paid = Paid
message-dismiss = Dismiss message
sale-keyboard = On-screen keyboard
key-decimal = Decimal point
sale-qty-times = Quantity for the next item
hint-times = Key the quantity, then tap ×, then the item.
hint-qty = Key the new quantity, then tap Quantity.
hint-select-line = Tap a line of the ticket first.
hint-discount = Key the discount in percent, then tap Discount.
hint-weigh-no-scale = { $name } is sold by weight: key the weight, tap ×, then the item.
error-needs-weight = { $name } is sold by weight: weigh it or key the weight.
manager-reason-discount = Approve a discount of { $pct } % on this ticket. { $user } may give up to { $max } %.
close-title = Close shift
close-count = Count the cash in the drawer and key the total. The expected amount is shown after closing.
close-counted = Counted cash
close-confirm = Close with this count
confirm-close-text = Close the shift with { $counted } counted in the drawer? This cannot be undone.
summary-title = Shift closed ({ $from } – { $to })
summary-float = Float
summary-cash-net = Cash sales (net)
summary-expected = Expected in the drawer
summary-counted = Counted
summary-short = Short
summary-over = Over
summary-even = Difference
summary-done = Done
recall-title = Held tickets
recall-when = held at { $time } · { $items } item(s)
confirm-no = Go back
confirm-cancel-title = Cancel the ticket?
confirm-cancel-text = All { $items } item(s), { $total } in total, are removed from the ticket.
confirm-cancel-paid-text = All { $items } item(s) are removed and the { $paid } already paid is given back.
confirm-cancel-yes = Cancel ticket
prices-choose = Choose a grade, key the new price per litre.
prices-new = New price
confirm-price-text = Set { $grade } from { $old } to { $price } per litre? Each pump takes the new price when it is idle.
pump-prepaid = Prepaid { $amount }
pump-action-authorize-amount = Authorize { $amount }
pump-action-prepay-amount = Prepay { $amount }
pump-action-authorize-litres = Authorize { $litres } l
pump-action-cancel-prepay = Cancel prepay and pay back
pump-menu-hint = Key an amount first for a preset or a prepay.
confirm-drive-off-title = Record a drive-off?
confirm-drive-off-text = The fill at pump { $n } ({ $amount }) is recorded as not paid and the pump is released.
pump-drive-off-done = Drive-off at pump { $n } recorded.
confirm-cancel-prepay-text = Pay back { $amount } to the customer and release pump { $n }?
confirm-cancel-prepay-yes = Pay back
tender-remove = Remove payment
tender-cash-entry = Cash, keyed amount
confirm-remove-payment-title = Remove this payment?
confirm-remove-payment-text = { $method } { $amount } is taken off the ticket. Give it back to the customer.
confirm-remove-payment-yes = Remove payment
date-long = { $month } { $day }, { $year }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
tax-vat = VAT
tax-energy-tax = Energy tax
confirm-a11y = Confirm:

# Service additions
error-no-such-payment = There is no payment { $n } on this ticket.
error-unknown-language = { $language } is not a language this till has.
error-unknown-theme = { $theme } is not a theme this till has (light, dark, contrast).
