# Till — Español (España)

app-title = Till

## Status bar
status-signed-out = Sin sesión iniciada
status-shift-open = Turno desde { $time }
status-no-shift = Ningún turno abierto
status-demo = DEMO
chip-printer = Impresora
chip-pumps = Surtidores
chip-sync = Sincronización
printer-not-printed = El recibo { $no } no se imprimió ({ $reason }); está en la cola de reimpresión
printer-ready = listo
printer-paper_out = sin papel
printer-no_answer = no responde
printer-queue = { $count } por reimprimir
chip-not-configured = sin configurar
chip-unsent = { $count } sin enviar

## Sign-in
login-title = Iniciar sesión
login-choose-user = Toque su nombre e introduzca su PIN
login-pin-only = Solo PIN
login-enter-pin = Introduzca el PIN
login-sign-in = Entrar
login-language = Idioma
login-theme = Tema
theme-light = Claro
theme-dark = Oscuro
theme-contrast = Alto contraste
key-clear = Borrar
key-delete = Retroceso
role-cashier = Cajero
role-manager = Encargado
role-kiosk = Autoservicio
key-enter = Intro

## Shift
shift-open-title = Abrir turno
shift-float = Cambio inicial en el cajón
shift-open = Abrir turno
shift-close = Cerrar turno
shift-counted = Efectivo contado en el cajón
shift-closed = Turno cerrado: esperado { $expected }, contado { $counted }, diferencia { $difference }
sign-out = Cerrar sesión

## Sale
sale-no-sale = Abrir cajón
sale-empty = Escanee un artículo o toque un producto
sale-subtotal = Subtotal
sale-discount = Descuento
sale-tax = IVA
sale-total = Total
sale-pay = Cobrar
sale-void = Anular línea
sale-qty = Cantidad
sale-line-discount = Descuento de línea
sale-ticket-discount = Descuento del ticket
sale-hold = Aparcar
sale-recall = Recuperar
sale-cancel = Cancelar ticket
sale-search = Buscar productos
sale-all = Todos
sale-times = ×
sale-plu = PLU / código
sale-voided = ANULADA
sale-age-needed = Control de edad { $age }+
sale-percent = %
sale-amount = Importe
sale-apply = Aplicar
sale-close = Cerrar
sale-held = Ticket aparcado
sale-no-held = No hay tickets aparcados

## Age check
age-title = Control de edad: { $age }+
age-born-on-or-before = El cliente debe haber nacido el o antes del
age-confirm = Tiene la edad
age-refuse = No tiene la edad

## Manager approval
manager-title = Autorización del encargado
manager-prompt = Esto requiere al encargado. PIN del encargado:
manager-approve = Autorizar

## Pumps
pump-label = Surtidor { $n }
pump-idle = Libre
pump-calling = Llamando
pump-authorized = Autorizado
pump-filling = Repostando
pump-completed = Por cobrar
pump-stopped = Detenido
pump-offline = Sin conexión
pump-error = Error
pump-stop-all = PARAR TODO
pump-action-stop = Parar
pump-action-authorize = Autorizar
pump-action-authorize-volume = Autorizar por litros
pump-action-prepay = Prepago
pump-action-add = Al ticket
pump-action-drive-off = Fuga sin pagar
pump-action-pump-test = Prueba de surtidor
pump-action-resume = Reanudar
pump-more = Más: surtidor { $n }
pump-prepay-settled = Prepago del surtidor { $n } liquidado: devolver { $amount }
pump-prepay-hint = Teclee primero el importe y luego Prepago
pump-screen = Surtidores y tanques
tank-label = Tanque { $n }
tank-low_level = Nivel bajo
tank-high_water = Agua alta
tank-gauge_alarm = Alarma de sonda
tank-free = libre
tank-water = agua
tank-none = Sin sonda de tanques
pump-authorize-all = Autorizar los que llaman
prices-title = Precios de combustible
prices-button = Precios
prices-send = Enviar a los surtidores
prices-set = { $grade }: { $price } por litro, enviado a cada surtidor cuando esté libre
forecourt-back = Volver a la venta

## Customer display (2 x 20, plain Latin letters)
display-total = Total
display-paid = Pagado
display-change = Cambio
display-welcome = Bienvenido!

## Scale
scale-weighing = Pesando { $name }…
scale-overload = La balanza está sobrecargada
scale-underload = No hay nada en la balanza
scale-unstable = El peso no se estabiliza
scale-no-answer = La balanza no responde
scale-unit = La balanza no pesa en kg ni en g

## Tender
tender-title = Cobro
tender-due = Importe a pagar
tender-exact = Exacto
tender-card = Tarjeta
tender-cash = Efectivo
tender-paid = Pagado
tender-remaining = Pendiente
tender-back = Volver al ticket
tender-change = Cambio { $amount }
tender-no-change = Sin cambio
tender-other = Otro importe

## Receipt
receipt-title = Recibo
receipt-new-sale = Siguiente cliente
receipt-reprint = Reimprimir último recibo
receipt-no = Recibo { $no }
receipt-refund-no = Devolución { $no } (del recibo { $of })
receipt-cashier = Cajero { $name }
receipt-terminal = Terminal { $id }
receipt-subtotal = Subtotal
receipt-discount = Descuento
receipt-total = TOTAL
receipt-tax-title = IVA incluido
receipt-tax-added = IVA
receipt-net = Base
receipt-paid-cash = Efectivo
receipt-paid-card = Tarjeta
receipt-change = Cambio
receipt-rounding = Redondeo
receipt-voided = ANULADA
receipt-line-discount = descuento
receipt-thanks = ¡Gracias por su visita!
receipt-tax-id = NIF { $id }

## Errors
error-not-logged-in = Inicie sesión primero.
error-already-logged-in = { $name } tiene la sesión abierta. Ciérrela primero.
error-wrong-pin = PIN incorrecto. Inténtelo de nuevo.
error-wrong-pin-attempts = PIN incorrecto ({ $attempts } de { $max } intentos).
error-locked = { $name } está bloqueado { $seconds } s tras demasiados PIN incorrectos.
error-pad-locked = Demasiados PIN incorrectos en esta caja. La entrada de PIN está bloqueada { $seconds } s.
error-not-approver = { $name } no puede autorizar este descuento.
error-ticket-too-large = El ticket superaría el importe máximo que admite la caja.
error-no-shift = No hay ningún turno abierto. Abra un turno primero.
error-shift-open = Ya hay un turno abierto.
error-not-permitted = No tiene permiso para hacer esto.
error-discount-limit = Un descuento del { $pct } % supera lo que puede dar (hasta { $max } %).
error-ticket-open = Termine o cancele el ticket primero.
error-unknown-code = Ningún producto tiene el código { $code }.
error-bad-code = El código { $code } no es válido (dígito de control o longitud).
error-age = Confirme primero la edad del cliente.
error-card-over = Un pago con tarjeta no puede superar el importe pendiente.
error-locked-ticket = Ya se ha cobrado una parte; termine el cobro o cancele el ticket.
error-bad-quantity = Esa cantidad no es posible para este artículo.
error-bad-discount = Ese descuento no es posible aquí.
error-nothing = No hay nada que hacer.
error-save = No se pudo guardar la venta. No se ha registrado nada; inténtelo de nuevo.
error-store-halted = Venta detenida: los archivos de datos de la caja se modificaron mientras funcionaba. Llame a un encargado y reinicie Till.
error-no-pumps = Este terminal no tiene surtidores configurados.
error-no-such-pump = No existe el surtidor { $n }.
error-pump-state = Surtidor { $n }: { $state }, no es posible ahora.
error-tickets-held = { $count } ticket(s) en espera: recupérelos y termínelos o cancélelos primero.
error-shift-not-clear = El turno aún no puede cerrarse: { $detail }
error-generic = { $detail }

# Device health
chip-devices = Dispositivos
printer-offline = desconectada
printer-connecting = conectando
printer-cover_open = tapa abierta
printer-drawer-open = cajón abierto
device-display = Visor
device-scale = Báscula
device-scanner = Escáner
device-tanks = Sonda de tanques
device-pump-line = Línea de surtidores
device-offline = desconectado
device-connecting = conectando
device-all-ready = todos listos

# Device settings
devices-title = Dispositivos
devices-back = Volver
devices-apply = Aplicar
devices-not-attached = no conectado
devices-simulated = simulado
devices-saved = { $device }: guardado y conectado
devices-testing = Probando…
devices-test-page = Página de prueba
devices-open-drawer = Abrir cajón
devices-show-text = Mostrar texto
devices-read-weight = Leer peso
devices-drawer-kicked = Impulso de cajón enviado
devices-test-text = Prueba de visor 1234
devices-text-shown = Texto enviado al visor
devices-code-valid = válido
devices-scanned = Escaneado { $code }: { $verdict }
device-printer = Impresora de recibos
device-ready = listo
device-no_answer = no responde
device-paper_out = sin papel
device-cover_open = tapa abierta

# Central sync
sync-title = Sincronización con la central
sync-never = nunca
sync-auth-failed = token rechazado
sync-failing = con errores
sync-ok-at = sincronizado { $time }
sync-parked-count = { $count } rechazados
sync-last-success = Última sincronización correcta: { $time }
sync-last-error = Último error: { $error }
sync-pricebook = Lista de precios: { $version }
sync-pricebook-unknown = Desconocidos en este terminal: { $list }
sync-parked-title = Rechazados por la central
sync-none-parked = No se ha rechazado nada.
sync-retry = Enviar de nuevo
sync-retry-all = Enviar todo de nuevo
event-sale = Venta
event-refund = Devolución
event-shift_open = Turno abierto
event-shift_close = Turno cerrado
event-drive_off = Fuga sin pagar
event-pump_test = Prueba de surtidor
event-fuel_price = Precio de combustible
sync-starting = conectando

# Screens at arm's length
devices-port-simulated = Simulado: escriba un puerto para usar el dispositivo real
devices-port-none = Sin puerto: escriba uno para conectar el dispositivo
pump-paid = Pagado
message-dismiss = Cerrar el mensaje
sale-keyboard = Teclado en pantalla
key-decimal = Coma decimal
sale-qty-times = Cantidad para el siguiente artículo
hint-times = Teclee la cantidad, pulse × y luego el artículo.
hint-qty = Teclee la nueva cantidad y pulse Cantidad.
hint-select-line = Primero toque una línea del tique.
hint-discount = Teclee el descuento en porcentaje y pulse Descuento.
hint-weigh-no-scale = { $name } se vende al peso: teclee el peso, pulse × y luego el artículo.
error-needs-weight = { $name } se vende al peso: péselo o teclee el peso.
manager-reason-discount = Aprobar un descuento del { $pct } % en este tique. { $user } puede dar hasta el { $max } %.
close-title = Cerrar turno
close-count = Cuente el efectivo del cajón y teclee el total. El importe esperado se muestra al cerrar.
close-counted = Efectivo contado
close-confirm = Cerrar con este recuento
confirm-close-text = ¿Cerrar el turno con { $counted } contados en el cajón? No se puede deshacer.
summary-title = Turno cerrado ({ $from } – { $to })
summary-float = Fondo de caja
summary-cash-net = Ventas en efectivo (neto)
summary-expected = Esperado en el cajón
summary-counted = Contado
summary-short = Faltante
summary-over = Sobrante
summary-even = Diferencia
summary-done = Hecho
recall-title = Tiques aparcados
recall-when = aparcado a las { $time } · { $items } artículo(s)
confirm-no = Volver
confirm-cancel-title = ¿Anular el tique?
confirm-cancel-text = Se quitan los { $items } artículo(s) del tique, { $total } en total.
confirm-cancel-paid-text = Se quitan los { $items } artículo(s) y se devuelven los { $paid } ya pagados.
confirm-cancel-yes = Anular tique
prices-choose = Elija un carburante y teclee el nuevo precio por litro.
prices-new = Nuevo precio
confirm-price-text = ¿Cambiar { $grade } de { $old } a { $price } por litro? Cada surtidor toma el precio cuando está libre.
pump-prepaid = Prepago { $amount }
pump-action-authorize-amount = Autorizar { $amount }
pump-action-prepay-amount = Prepago { $amount }
pump-action-authorize-litres = Autorizar { $litres } l
pump-action-cancel-prepay = Anular prepago y devolver
pump-menu-hint = Teclee primero un importe para preseleccionar o prepagar.
confirm-drive-off-title = ¿Registrar una fuga sin pagar?
confirm-drive-off-text = El repostaje del surtidor { $n } ({ $amount }) se registra como no pagado y el surtidor queda libre.
pump-drive-off-done = Fuga sin pagar en el surtidor { $n } registrada.
confirm-cancel-prepay-text = ¿Devolver { $amount } al cliente y liberar el surtidor { $n }?
confirm-cancel-prepay-yes = Devolver
tender-remove = Quitar el pago
tender-cash-entry = Efectivo, importe tecleado
confirm-remove-payment-title = ¿Quitar este pago?
confirm-remove-payment-text = { $method } { $amount } se quita del tique. Devuélvalo al cliente.
confirm-remove-payment-yes = Quitar el pago
date-long = { $day } de { $month } de { $year }
month-1 = enero
month-2 = febrero
month-3 = marzo
month-4 = abril
month-5 = mayo
month-6 = junio
month-7 = julio
month-8 = agosto
month-9 = septiembre
month-10 = octubre
month-11 = noviembre
month-12 = diciembre
tax-vat = IVA
tax-energy-tax = Impuesto especial
confirm-a11y = Confirmar:

# Service additions
error-no-such-payment = Este ticket no tiene ningún pago { $n }.
error-unknown-language = El idioma { $language } no está disponible en esta caja.
error-unknown-theme = El tema { $theme } no está disponible en esta caja (claro, oscuro, alto contraste).
