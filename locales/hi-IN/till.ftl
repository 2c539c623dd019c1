# Till — हिन्दी (भारत)

app-title = Till

## Status bar
status-signed-out = साइन इन नहीं
status-shift-open = शिफ़्ट { $time } से
status-no-shift = कोई शिफ़्ट खुली नहीं
status-demo = डेमो
chip-printer = प्रिंटर
chip-pumps = पंप
chip-sync = सिंक
printer-not-printed = रसीद { $no } नहीं छपी ({ $reason }); यह दोबारा छापने की कतार में है
printer-ready = तैयार
printer-paper_out = काग़ज़ ख़त्म
printer-no_answer = जवाब नहीं
printer-queue = { $count } दोबारा छापने हैं
chip-not-configured = सेट नहीं
chip-unsent = { $count } नहीं भेजे गए

## Sign-in
login-title = साइन इन
login-choose-user = अपना नाम चुनें, फिर पिन डालें
login-pin-only = केवल पिन
login-enter-pin = पिन डालें
login-sign-in = साइन इन करें
login-language = भाषा
login-theme = रंग योजना
theme-light = हल्का
theme-dark = गहरा
theme-contrast = उच्च कंट्रास्ट
key-clear = साफ़ करें
key-delete = मिटाएँ
role-cashier = कैशियर
role-manager = मैनेजर
role-kiosk = सेल्फ़-सर्विस
key-enter = एंटर

## Shift
shift-open-title = शिफ़्ट खोलें
shift-float = दराज़ में शुरुआती नकद
shift-open = शिफ़्ट खोलें
shift-close = शिफ़्ट बंद करें
shift-counted = दराज़ में गिना गया नकद
shift-closed = शिफ़्ट बंद: अपेक्षित { $expected }, गिना गया { $counted }, अंतर { $difference }
sign-out = साइन आउट

## Sale
sale-no-sale = दराज़ खोलें
sale-empty = सामान स्कैन करें या उत्पाद चुनें
sale-subtotal = उप-योग
sale-discount = छूट
sale-tax = कर
sale-total = कुल
sale-pay = भुगतान
sale-void = पंक्ति रद्द करें
sale-qty = मात्रा
sale-line-discount = पंक्ति छूट
sale-ticket-discount = बिल छूट
sale-hold = होल्ड करें
sale-recall = वापस लाएँ
sale-cancel = बिल रद्द करें
sale-search = उत्पाद खोजें
sale-all = सभी
sale-times = ×
sale-plu = PLU / SKU
sale-voided = रद्द
sale-age-needed = आयु जाँच { $age }+
sale-percent = %
sale-amount = राशि
sale-apply = लागू करें
sale-close = बंद करें
sale-held = बिल होल्ड किया गया
sale-no-held = कोई होल्ड बिल नहीं

## Age check
age-title = आयु जाँच: { $age }+
age-born-on-or-before = ग्राहक का जन्म इस तारीख़ को या पहले होना चाहिए
age-confirm = आयु पूरी है
age-refuse = आयु पूरी नहीं

## Manager approval
manager-title = मैनेजर की स्वीकृति
manager-prompt = इसके लिए मैनेजर चाहिए। मैनेजर पिन:
manager-approve = स्वीकृत करें

## Pumps
pump-label = पंप { $n }
pump-idle = खाली
pump-calling = बुला रहा है
pump-authorized = अनुमति
pump-filling = भर रहा है
pump-completed = भुगतान बाकी
pump-stopped = रुका
pump-offline = ऑफ़लाइन
pump-error = त्रुटि
pump-stop-all = सब रोकें
pump-action-stop = रोकें
pump-action-authorize = अनुमति दें
pump-action-authorize-volume = लीटर के साथ अनुमति
pump-action-prepay = अग्रिम भुगतान
pump-action-add = बिल में जोड़ें
pump-action-drive-off = बिना भुगतान भागा
pump-action-pump-test = पंप परीक्षण
pump-action-resume = फिर शुरू करें
pump-more = और: पंप { $n }
pump-prepay-settled = पंप { $n } अग्रिम भुगतान निपटा: { $amount } लौटाएँ
pump-prepay-hint = पहले राशि डालें, फिर अग्रिम भुगतान
pump-screen = पंप और टैंक
tank-label = टैंक { $n }
tank-low_level = कम स्तर
tank-high_water = पानी अधिक
tank-gauge_alarm = गेज अलार्म
tank-free = खाली
tank-water = पानी
tank-none = कोई टैंक गेज नहीं
pump-authorize-all = सभी बुलाने वालों को अनुमति
prices-title = ईंधन के दाम
prices-button = दाम
prices-send = पंपों को भेजें
prices-set = { $grade }: { $price } प्रति लीटर, हर पंप को खाली होने पर भेजा जाएगा
forecourt-back = बिक्री पर वापस

## Customer display (2 x 20, plain Latin letters)
display-total = Total
display-paid = Paid
display-change = Change
display-welcome = Swagat hai!

## Scale
scale-weighing = { $name } तौला जा रहा है…
scale-overload = तराज़ू पर ज़्यादा भार है
scale-underload = तराज़ू पर कुछ नहीं है
scale-unstable = वज़न स्थिर नहीं हो रहा
scale-no-answer = तराज़ू जवाब नहीं दे रहा
scale-unit = तराज़ू kg या g में नहीं तौलता

## Tender
tender-title = भुगतान
tender-due = देय राशि
tender-exact = पूरी राशि
tender-card = कार्ड
tender-cash = नकद
tender-paid = भुगतान किया
tender-remaining = बाकी
tender-back = बिल पर वापस
tender-change = वापसी { $amount }
tender-no-change = कोई वापसी नहीं
tender-other = अन्य राशि

## Receipt
receipt-title = रसीद
receipt-new-sale = अगला ग्राहक
receipt-reprint = पिछली रसीद फिर छापें
receipt-no = रसीद { $no }
receipt-refund-no = वापसी { $no } (रसीद { $of } की)
receipt-cashier = कैशियर { $name }
receipt-terminal = टर्मिनल { $id }
receipt-subtotal = उप-योग
receipt-discount = छूट
receipt-total = कुल
receipt-tax-title = कर शामिल
receipt-tax-added = कर
receipt-net = शुद्ध
receipt-paid-cash = नकद
receipt-paid-card = कार्ड
receipt-change = वापसी
receipt-rounding = पूर्णांकन
receipt-voided = रद्द
receipt-line-discount = छूट
receipt-thanks = आपके आने के लिए धन्यवाद!
receipt-tax-id = GSTIN { $id }

## Errors
error-not-logged-in = पहले साइन इन करें।
error-already-logged-in = { $name } साइन इन हैं। पहले साइन आउट करें।
error-wrong-pin = गलत पिन। फिर से कोशिश करें।
error-wrong-pin-attempts = गलत पिन ({ $max } में से { $attempts } प्रयास)।
error-locked = बहुत सारे गलत पिन के कारण { $name } { $seconds } सेकंड के लिए लॉक है।
error-pad-locked = इस टिल पर बहुत सारे गलत पिन। पिन डालना { $seconds } सेकंड के लिए बंद है।
error-not-approver = { $name } यह छूट मंज़ूर नहीं कर सकते।
error-ticket-too-large = बिल की राशि टिल की सीमा से ज़्यादा हो जाएगी।
error-no-shift = कोई शिफ़्ट खुली नहीं है। पहले शिफ़्ट खोलें।
error-shift-open = एक शिफ़्ट पहले से खुली है।
error-not-permitted = आपको यह करने की अनुमति नहीं है।
error-discount-limit = { $pct }% की छूट आपकी सीमा ({ $max }% तक) से अधिक है।
error-ticket-open = पहले बिल पूरा करें या रद्द करें।
error-unknown-code = कोड { $code } का कोई उत्पाद नहीं है।
error-bad-code = कोड { $code } मान्य नहीं है (चेक अंक या लंबाई गलत)।
error-age = पहले ग्राहक की आयु की पुष्टि करें।
error-card-over = कार्ड भुगतान बाकी राशि से अधिक नहीं हो सकता।
error-locked-ticket = भुगतान लिया जा चुका है; भुगतान पूरा करें या बिल रद्द करें।
error-bad-quantity = इस सामान के लिए यह मात्रा संभव नहीं है।
error-bad-discount = यहाँ यह छूट संभव नहीं है।
error-nothing = करने को कुछ नहीं है।
error-save = बिक्री सहेजी नहीं जा सकी। कुछ दर्ज नहीं हुआ; फिर से कोशिश करें।
error-store-halted = बिक्री रुकी: चलते समय टिल की डेटा फ़ाइलें बदली गईं। मैनेजर को बुलाएँ और Till फिर से शुरू करें।
error-no-pumps = इस टर्मिनल पर कोई पंप सेट नहीं है।
error-no-such-pump = पंप { $n } मौजूद नहीं है।
error-pump-state = पंप { $n }: { $state }, अभी संभव नहीं।
error-tickets-held = { $count } टिकट होल्ड पर हैं: पहले उन्हें वापस लाकर पूरा या रद्द करें।
error-shift-not-clear = शिफ़्ट अभी बंद नहीं हो सकती: { $detail }
error-generic = { $detail }

# Device health
chip-devices = उपकरण
printer-offline = ऑफ़लाइन
printer-connecting = जुड़ रहा है
printer-cover_open = कवर खुला है
printer-drawer-open = दराज़ खुली है
device-display = ग्राहक डिस्प्ले
device-scale = तराज़ू
device-scanner = स्कैनर
device-tanks = टैंक गेज
device-pump-line = पंप लाइन
device-offline = ऑफ़लाइन
device-connecting = जुड़ रहा है
device-all-ready = सब तैयार

# Device settings
devices-title = उपकरण
devices-back = वापस
devices-apply = लागू करें
devices-not-attached = जुड़ा नहीं
devices-simulated = सिम्युलेटेड
devices-saved = { $device }: सहेजा और जोड़ा गया
devices-testing = जाँच हो रही है…
devices-test-page = परीक्षण पृष्ठ
devices-open-drawer = दराज़ खोलें
devices-show-text = पाठ दिखाएँ
devices-read-weight = वज़न पढ़ें
devices-drawer-kicked = दराज़ संकेत भेजा गया
devices-test-text = Display test 1234
devices-text-shown = पाठ डिस्प्ले को भेजा गया
devices-code-valid = मान्य
devices-scanned = स्कैन किया { $code }: { $verdict }
device-printer = रसीद प्रिंटर
device-ready = तैयार
device-no_answer = जवाब नहीं दे रहा
device-paper_out = कागज़ ख़त्म
device-cover_open = कवर खुला है

# Central sync
sync-title = मुख्यालय से सिंक
sync-never = कभी नहीं
sync-auth-failed = टोकन अस्वीकृत
sync-failing = विफल
sync-ok-at = सिंक { $time }
sync-parked-count = { $count } अस्वीकृत
sync-last-success = पिछला सफल सिंक: { $time }
sync-last-error = पिछली त्रुटि: { $error }
sync-pricebook = मूल्य सूची: { $version }
sync-pricebook-unknown = इस टर्मिनल के लिए अज्ञात: { $list }
sync-parked-title = मुख्यालय द्वारा अस्वीकृत
sync-none-parked = कुछ भी अस्वीकृत नहीं हुआ।
sync-retry = फिर से भेजें
sync-retry-all = सब फिर से भेजें
event-sale = बिक्री
event-refund = धनवापसी
event-shift_open = शिफ़्ट खुली
event-shift_close = शिफ़्ट बंद
event-drive_off = बिना भुगतान भागना
event-pump_test = पंप परीक्षण
event-fuel_price = ईंधन मूल्य
sync-starting = जुड़ रहा है

# Screens at arm's length
devices-port-simulated = सिम्युलेटेड: असली उपकरण के लिए पोर्ट लिखें
devices-port-none = कोई पोर्ट नहीं: उपकरण जोड़ने के लिए पोर्ट लिखें
pump-paid = भुगतान हो गया
message-dismiss = संदेश बंद करें
sale-keyboard = स्क्रीन कीबोर्ड
key-decimal = दशमलव
sale-qty-times = अगली वस्तु की मात्रा
hint-times = मात्रा लिखें, × दबाएँ, फिर वस्तु चुनें।
hint-qty = नई मात्रा लिखें, फिर मात्रा दबाएँ।
hint-select-line = पहले बिल की कोई पंक्ति चुनें।
hint-discount = छूट प्रतिशत में लिखें, फिर छूट दबाएँ।
hint-weigh-no-scale = { $name } वज़न से बिकता है: वज़न लिखें, × दबाएँ, फिर वस्तु चुनें।
error-needs-weight = { $name } वज़न से बिकता है: तौलें या वज़न लिखें।
manager-reason-discount = इस बिल पर { $pct } % छूट स्वीकृत करें। { $user } अधिकतम { $max } % दे सकते हैं।
close-title = शिफ्ट बंद करें
close-count = दराज़ की नकदी गिनें और कुल राशि लिखें। अपेक्षित राशि बंद करने के बाद दिखेगी।
close-counted = गिनी गई नकदी
close-confirm = इस गिनती से बंद करें
confirm-close-text = दराज़ में { $counted } गिनकर शिफ्ट बंद करें? इसे वापस नहीं किया जा सकता।
summary-title = शिफ्ट बंद ({ $from } – { $to })
summary-float = शुरुआती नकदी
summary-cash-net = नकद बिक्री (शुद्ध)
summary-expected = दराज़ में अपेक्षित
summary-counted = गिना गया
summary-short = कमी
summary-over = अधिक
summary-even = अंतर
summary-done = हो गया
recall-title = रोके गए बिल
recall-when = { $time } पर रोका गया · { $items } वस्तुएँ
confirm-no = वापस
confirm-cancel-title = बिल रद्द करें?
confirm-cancel-text = सभी { $items } वस्तुएँ, कुल { $total }, बिल से हटा दी जाएँगी।
confirm-cancel-paid-text = सभी { $items } वस्तुएँ हटेंगी और पहले से दिए गए { $paid } लौटाए जाएँगे।
confirm-cancel-yes = बिल रद्द करें
prices-choose = ईंधन चुनें, प्रति लीटर नई कीमत लिखें।
prices-new = नई कीमत
confirm-price-text = { $grade } की कीमत { $old } से { $price } प्रति लीटर करें? हर पंप खाली होने पर नई कीमत लेगा।
pump-prepaid = अग्रिम { $amount }
pump-action-authorize-amount = अनुमति { $amount }
pump-action-prepay-amount = अग्रिम भुगतान { $amount }
pump-action-authorize-litres = अनुमति { $litres } l
pump-action-cancel-prepay = अग्रिम रद्द करें और लौटाएँ
pump-menu-hint = प्रीसेट या अग्रिम के लिए पहले राशि लिखें।
confirm-drive-off-title = बिना भुगतान भागना दर्ज करें?
confirm-drive-off-text = पंप { $n } की भराई ({ $amount }) बिना भुगतान दर्ज होगी और पंप खाली किया जाएगा।
pump-drive-off-done = पंप { $n } पर बिना भुगतान भागना दर्ज हुआ।
confirm-cancel-prepay-text = ग्राहक को { $amount } लौटाएँ और पंप { $n } खाली करें?
confirm-cancel-prepay-yes = लौटाएँ
tender-remove = भुगतान हटाएँ
tender-cash-entry = नकद, लिखी गई राशि
confirm-remove-payment-title = यह भुगतान हटाएँ?
confirm-remove-payment-text = { $method } { $amount } बिल से हटेगा। ग्राहक को लौटाएँ।
confirm-remove-payment-yes = भुगतान हटाएँ
date-long = { $day } { $month } { $year }
month-1 = जनवरी
month-2 = फ़रवरी
month-3 = मार्च
month-4 = अप्रैल
month-5 = मई
month-6 = जून
month-7 = जुलाई
month-8 = अगस्त
month-9 = सितंबर
month-10 = अक्टूबर
month-11 = नवंबर
month-12 = दिसंबर
tax-vat = वैट
tax-energy-tax = ऊर्जा कर
confirm-a11y = पुष्टि करें:

# Service additions
error-no-such-payment = इस बिल पर भुगतान { $n } मौजूद नहीं है।
error-unknown-language = भाषा { $language } इस टिल में उपलब्ध नहीं है।
error-unknown-theme = रंग योजना { $theme } इस टिल में उपलब्ध नहीं है (हल्का, गहरा, उच्च कंट्रास्ट)।
