# Till — Bahasa Indonesia

app-title = Till

## Status bar
status-signed-out = Belum masuk
status-shift-open = Sif sejak { $time }
status-no-shift = Tidak ada sif terbuka
status-demo = DEMO
chip-printer = Printer
chip-pumps = Pompa
chip-sync = Sinkron
printer-not-printed = Struk { $no } tidak tercetak ({ $reason }); masuk antrean cetak ulang
printer-ready = siap
printer-paper_out = kertas habis
printer-no_answer = tidak menjawab
printer-queue = { $count } perlu dicetak ulang
chip-not-configured = belum diatur
chip-unsent = { $count } belum terkirim

## Sign-in
login-title = Masuk
login-choose-user = Ketuk nama Anda, lalu masukkan PIN
login-pin-only = Hanya PIN
login-enter-pin = Masukkan PIN
login-sign-in = Masuk
login-language = Bahasa
login-theme = Tema
theme-light = Terang
theme-dark = Gelap
theme-contrast = Kontras tinggi
key-clear = Hapus
key-delete = Hapus satu
role-cashier = Kasir
role-manager = Manajer
role-kiosk = Layanan mandiri
key-enter = Enter

## Shift
shift-open-title = Buka sif
shift-float = Modal kas di laci
shift-open = Buka sif
shift-close = Tutup sif
shift-counted = Uang tunai yang dihitung di laci
shift-closed = Sif ditutup: seharusnya { $expected }, dihitung { $counted }, selisih { $difference }
sign-out = Keluar

## Sale
sale-no-sale = Buka laci
sale-empty = Pindai barang atau ketuk produk
sale-subtotal = Subtotal
sale-discount = Diskon
sale-tax = Pajak
sale-total = Total
sale-pay = Bayar
sale-void = Batalkan baris
sale-qty = Jumlah
sale-line-discount = Diskon baris
sale-ticket-discount = Diskon nota
sale-hold = Tahan
sale-recall = Panggil
sale-cancel = Batalkan nota
sale-search = Cari produk
sale-all = Semua
sale-times = ×
sale-plu = PLU / SKU
sale-voided = BATAL
sale-age-needed = Cek umur { $age }+
sale-percent = %
sale-amount = Nominal
sale-apply = Terapkan
sale-close = Tutup
sale-held = Nota ditahan
sale-no-held = Tidak ada nota yang ditahan

## Age check
age-title = Cek umur: { $age }+
age-born-on-or-before = Pelanggan harus lahir pada atau sebelum
age-confirm = Cukup umur
age-refuse = Belum cukup umur

## Manager approval
manager-title = Persetujuan manajer
manager-prompt = Ini memerlukan manajer. PIN manajer:
manager-approve = Setujui

## Pumps
pump-label = Pompa { $n }
pump-idle = Siap
pump-calling = Memanggil
pump-authorized = Diizinkan
pump-filling = Mengisi
pump-completed = Bayar
pump-stopped = Berhenti
pump-offline = Terputus
pump-error = Galat
pump-stop-all = HENTIKAN SEMUA
pump-action-stop = Hentikan
pump-action-authorize = Izinkan
pump-action-authorize-volume = Izinkan per liter
pump-action-prepay = Bayar di muka
pump-action-add = Masukkan ke nota
pump-action-drive-off = Kabur tanpa bayar
pump-action-pump-test = Uji pompa
pump-action-resume = Lanjutkan
pump-more = Lainnya: pompa { $n }
pump-prepay-settled = Bayar di muka pompa { $n } selesai: kembalikan { $amount }
pump-prepay-hint = Ketik nominal dulu, lalu Bayar di muka
pump-screen = Pompa dan tangki
tank-label = Tangki { $n }
tank-low_level = Level rendah
tank-high_water = Air tinggi
tank-gauge_alarm = Alarm sensor
tank-free = kosong
tank-water = air
tank-none = Tidak ada pengukur tangki
pump-authorize-all = Izinkan semua yang memanggil
prices-title = Harga BBM
prices-button = Harga
prices-send = Kirim ke pompa
prices-set = { $grade }: { $price } per liter, dikirim ke tiap pompa saat siap
forecourt-back = Kembali ke penjualan

## Customer display (2 x 20, plain Latin letters)
display-total = Total
display-paid = Dibayar
display-change = Kembali
display-welcome = Selamat datang!

## Scale
scale-weighing = Menimbang { $name }…
scale-overload = Timbangan kelebihan beban
scale-underload = Tidak ada apa-apa di timbangan
scale-unstable = Berat tidak stabil
scale-no-answer = Timbangan tidak menjawab
scale-unit = Timbangan tidak menimbang dalam kg atau g

## Tender
tender-title = Pembayaran
tender-due = Jumlah tagihan
tender-exact = Uang pas
tender-card = Kartu
tender-cash = Tunai
tender-paid = Dibayar
tender-remaining = Sisa tagihan
tender-back = Kembali ke nota
tender-change = Kembalian { $amount }
tender-no-change = Tanpa kembalian
tender-other = Nominal lain

## Receipt
receipt-title = Struk
receipt-new-sale = Pelanggan berikutnya
receipt-reprint = Cetak ulang struk terakhir
receipt-no = Struk { $no }
receipt-refund-no = Pengembalian { $no } (dari struk { $of })
receipt-cashier = Kasir { $name }
receipt-terminal = Terminal { $id }
receipt-subtotal = Subtotal
receipt-discount = Diskon
receipt-total = TOTAL
receipt-tax-title = Termasuk pajak
receipt-tax-added = Pajak
receipt-net = DPP
receipt-paid-cash = Tunai
receipt-paid-card = Kartu
receipt-change = Kembalian
receipt-rounding = Pembulatan
receipt-voided = BATAL
receipt-line-discount = diskon
receipt-thanks = Terima kasih atas kunjungan Anda!
receipt-tax-id = NPWP { $id }

## Errors
error-not-logged-in = Silakan masuk terlebih dahulu.
error-already-logged-in = { $name } sudah masuk. Keluar terlebih dahulu.
error-wrong-pin = PIN salah. Coba lagi.
error-wrong-pin-attempts = PIN salah ({ $attempts } dari { $max } percobaan).
error-locked = { $name } dikunci { $seconds } detik karena terlalu banyak PIN salah.
error-pad-locked = Terlalu banyak PIN salah di kasir ini. Input PIN dikunci { $seconds } detik.
error-not-approver = { $name } tidak boleh menyetujui diskon ini.
error-ticket-too-large = Nota akan melebihi jumlah maksimum yang diterima kasir.
error-no-shift = Belum ada sif terbuka. Buka sif terlebih dahulu.
error-shift-open = Sif sudah terbuka.
error-not-permitted = Anda tidak diizinkan melakukan ini.
error-discount-limit = Diskon { $pct }% melebihi batas Anda (hingga { $max }%).
error-ticket-open = Selesaikan atau batalkan nota terlebih dahulu.
error-unknown-code = Tidak ada produk dengan kode { $code }.
error-bad-code = Kode { $code } tidak valid (digit cek atau panjang salah).
error-age = Konfirmasi umur pelanggan terlebih dahulu.
error-card-over = Pembayaran kartu tidak boleh melebihi sisa tagihan.
error-locked-ticket = Sudah ada pembayaran; selesaikan pembayaran atau batalkan nota.
error-bad-quantity = Jumlah itu tidak mungkin untuk barang ini.
error-bad-discount = Diskon itu tidak bisa diberikan di sini.
error-nothing = Tidak ada yang perlu dilakukan.
error-save = Penjualan tidak dapat disimpan. Tidak ada yang tercatat; coba lagi.
error-store-halted = Penjualan berhenti: file data kasir diubah saat berjalan. Panggil manajer dan mulai ulang Till.
error-no-pumps = Tidak ada pompa yang diatur di terminal ini.
error-no-such-pump = Tidak ada pompa { $n }.
error-pump-state = Pompa { $n }: { $state }, tidak bisa sekarang.
error-tickets-held = { $count } struk ditahan: panggil lalu selesaikan atau batalkan dulu.
error-shift-not-clear = Shift belum bisa ditutup: { $detail }
error-generic = { $detail }

# Device health
chip-devices = Perangkat
printer-offline = terputus
printer-connecting = menghubungkan
printer-cover_open = tutup terbuka
printer-drawer-open = laci terbuka
device-display = Layar pelanggan
device-scale = Timbangan
device-scanner = Pemindai
device-tanks = Pengukur tangki
device-pump-line = Jalur pompa
device-offline = terputus
device-connecting = menghubungkan
device-all-ready = semua siap

# Device settings
devices-title = Perangkat
devices-back = Kembali
devices-apply = Terapkan
devices-not-attached = tidak terpasang
devices-simulated = simulasi
devices-saved = { $device }: disimpan dan terhubung
devices-testing = Menguji…
devices-test-page = Halaman uji
devices-open-drawer = Buka laci
devices-show-text = Tampilkan teks
devices-read-weight = Baca berat
devices-drawer-kicked = Sinyal laci dikirim
devices-test-text = Uji layar 1234
devices-text-shown = Teks dikirim ke layar
devices-code-valid = valid
devices-scanned = Dipindai { $code }: { $verdict }
device-printer = Printer struk
device-ready = siap
device-no_answer = tidak menjawab
device-paper_out = kertas habis
device-cover_open = tutup terbuka

# Central sync
sync-title = Sinkronisasi dengan kantor pusat
sync-never = belum pernah
sync-auth-failed = token ditolak
sync-failing = gagal
sync-ok-at = tersinkron { $time }
sync-parked-count = { $count } ditolak
sync-last-success = Sinkronisasi berhasil terakhir: { $time }
sync-last-error = Kesalahan terakhir: { $error }
sync-pricebook = Daftar harga: { $version }
sync-pricebook-unknown = Tidak dikenal terminal ini: { $list }
sync-parked-title = Ditolak kantor pusat
sync-none-parked = Tidak ada yang ditolak.
sync-retry = Kirim lagi
sync-retry-all = Kirim semua lagi
event-sale = Penjualan
event-refund = Pengembalian
event-shift_open = Shift dibuka
event-shift_close = Shift ditutup
event-drive_off = Kabur tanpa bayar
event-pump_test = Uji pompa
event-fuel_price = Harga BBM
sync-starting = menghubungkan

# Screens at arm's length
devices-port-simulated = Simulasi: ketik port untuk memakai perangkat asli
devices-port-none = Tanpa port: ketik port untuk memasang perangkat
pump-paid = Lunas
message-dismiss = Tutup pesan
sale-keyboard = Papan ketik layar
key-decimal = Koma desimal
sale-qty-times = Jumlah untuk barang berikutnya
hint-times = Ketik jumlah, ketuk ×, lalu barangnya.
hint-qty = Ketik jumlah baru, lalu ketuk Jumlah.
hint-select-line = Ketuk satu baris struk terlebih dahulu.
hint-discount = Ketik diskon dalam persen, lalu ketuk Diskon.
hint-weigh-no-scale = { $name } dijual per berat: ketik beratnya, ketuk ×, lalu barangnya.
error-needs-weight = { $name } dijual per berat: timbang atau ketik beratnya.
manager-reason-discount = Setujui diskon { $pct } % untuk struk ini. { $user } boleh memberi sampai { $max } %.
close-title = Tutup shift
close-count = Hitung uang tunai di laci dan ketik totalnya. Jumlah yang diharapkan ditampilkan setelah penutupan.
close-counted = Uang tunai dihitung
close-confirm = Tutup dengan jumlah ini
confirm-close-text = Tutup shift dengan { $counted } dihitung di laci? Ini tidak dapat dibatalkan.
summary-title = Shift ditutup ({ $from } – { $to })
summary-float = Modal awal
summary-cash-net = Penjualan tunai (bersih)
summary-expected = Seharusnya di laci
summary-counted = Dihitung
summary-short = Kurang
summary-over = Lebih
summary-even = Selisih
summary-done = Selesai
recall-title = Struk ditahan
recall-when = ditahan pukul { $time } · { $items } barang
confirm-no = Kembali
confirm-cancel-title = Batalkan struk?
confirm-cancel-text = Semua { $items } barang, total { $total }, dihapus dari struk.
confirm-cancel-paid-text = Semua { $items } barang dihapus dan { $paid } yang sudah dibayar dikembalikan.
confirm-cancel-yes = Batalkan struk
prices-choose = Pilih jenis BBM, ketik harga baru per liter.
prices-new = Harga baru
confirm-price-text = Ubah { $grade } dari { $old } menjadi { $price } per liter? Setiap pompa memakai harga baru saat kosong.
pump-prepaid = Prabayar { $amount }
pump-action-authorize-amount = Izinkan { $amount }
pump-action-prepay-amount = Prabayar { $amount }
pump-action-authorize-litres = Izinkan { $litres } l
pump-action-cancel-prepay = Batalkan prabayar dan kembalikan
pump-menu-hint = Ketik jumlah dulu untuk preset atau prabayar.
confirm-drive-off-title = Catat kabur tanpa bayar?
confirm-drive-off-text = Pengisian di pompa { $n } ({ $amount }) dicatat tidak dibayar dan pompa dibebaskan.
pump-drive-off-done = Kabur tanpa bayar di pompa { $n } dicatat.
confirm-cancel-prepay-text = Kembalikan { $amount } ke pelanggan dan bebaskan pompa { $n }?
confirm-cancel-prepay-yes = Kembalikan
tender-remove = Hapus pembayaran
tender-cash-entry = Tunai, jumlah diketik
confirm-remove-payment-title = Hapus pembayaran ini?
confirm-remove-payment-text = { $method } { $amount } dihapus dari struk. Kembalikan ke pelanggan.
confirm-remove-payment-yes = Hapus pembayaran
date-long = { $day } { $month } { $year }
month-1 = Januari
month-2 = Februari
month-3 = Maret
month-4 = April
month-5 = Mei
month-6 = Juni
month-7 = Juli
month-8 = Agustus
month-9 = September
month-10 = Oktober
month-11 = November
month-12 = Desember
tax-vat = PPN
tax-energy-tax = Pajak energi
confirm-a11y = Konfirmasi:

# Service additions
error-no-such-payment = Tidak ada pembayaran { $n } pada nota ini.
error-unknown-language = Bahasa { $language } tidak tersedia di kasir ini.
error-unknown-theme = Tema { $theme } tidak tersedia di kasir ini (terang, gelap, kontras tinggi).
