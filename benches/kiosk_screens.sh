#!/usr/bin/env bash
# Screenshots of every kiosk screen from the real window: the release binary in demo mode as a
# kiosk (`till --kiosk`: the demo pumps and card terminal, so "Pay for fuel" shows) under Xvfb,
# walked with xdotool as a customer would tap it, in English and German, in normal and
# accessibility mode, at 1080x1920 (portrait) and 1920x1080; then as an outdoor payment
# terminal (`--outdoor`: start and pay for fuel). The fill's receipt screens (print or QR code)
# need a fill, which tests/ui_kiosk_fuel.rs makes and screenshots. PNGs go to
# target/screenshots/kiosk/<size>/<locale>-<mode>/, with a contact sheet beside each run.
# Needs Xvfb, xdotool and ImageMagick:
#   apt-get install -y xvfb xdotool imagemagick
#   bash benches/kiosk_screens.sh
#   SIZES=1920x1080 LOCALES=de-DE MODES=accessible bash benches/kiosk_screens.sh
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in Xvfb xdotool import montage; do
  command -v "$tool" >/dev/null || { echo "benches/kiosk_screens.sh needs $tool: apt-get install -y xvfb xdotool imagemagick" >&2; exit 1; }
done
[ -n "${TILL_BIN:-}" ] || cargo build --release -q --locked -p till
bin=${TILL_BIN:-$PWD/target/release/till}
out=$PWD/target/screenshots/kiosk
locales=${LOCALES:-en-US de-DE}
modes=${MODES:-normal accessible}
sizes=${SIZES:-1080x1920 1920x1080}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

# Where the keys are (x y in pixels) per size, in normal mode. The layout is the same in every
# language (keys are laid out by the screen, not by their words). Accessibility is turned on
# for its shot on each screen and off again: its key is at the bottom left in both modes.
coords() {
  case "$1" in
    1080x1920)
      access="120 1874"; fuel="540 810"; start_en="540 904"; start_de="540 998"
      tile1="342 210"; search="586 104"; key_c="278 1762"; key_o="902 1582"; key_l="902 1672"; key_a="70 1672"
      pay="880 1676"; staff="794 1768"; card="540 888"; no_receipt="540 1058"
      pump1="154 824"; amount1="282 986"
      out_en="540 858"; out_de="540 952"
      ;;
    1920x1080)
      access="120 1018"; fuel="960 468"; start_en="484 590"; start_de="1434 590"
      tile1="448 280"; search="1092 132"; key_c="488 880"; key_o="1618 642"; key_l="1618 762"; key_a="112 762"
      pay="1570 762"; staff="1410 886"; card="480 586"; no_receipt="960 664"
      pump1="258 366"; amount1="492 570"
      out_en="484 530"; out_de="1434 530"
      ;;
  esac
}

tap() { xdotool mousemove $1 $2 click 1; sleep "${PAUSE:-0.6}"; }
shot() { sleep 0.4; import -window root "$dir/$1.png"; }
# Both modes of the screen on show: normal, then accessibility on for a shot and off again.
both() {
  [ "$modes" != accessible ] && shot "$1"
  if [ "$modes" != normal ]; then tap $access; shot "$1-accessible"; tap $access; fi
}

n=81
for size in $sizes; do
  coords "$size"
  display=:$n; n=$((n + 1))
  Xvfb "$display" -screen 0 "${size}x24" >/dev/null 2>&1 &
  pids+=($!)
  sleep 1
  export DISPLAY=$display
  for locale in $locales; do
    dir=$out/$size/$locale; rm -rf "$dir"; mkdir -p "$dir"
    data=$work/$size-$locale
    XDG_CONFIG_HOME=$work/config-$size-$locale "$bin" --kiosk --data-dir "$data" >"$work/log-$size-$locale" 2>&1 &
    till=$!; pids+=($till)
    sleep 4
    start=$start_en; [ "$locale" = de-DE ] && start=$start_de
    both 01-start
    # The language chosen, then back to the start: the fuel screens speak it too.
    tap $start; both 02-shop-empty
    tap $tile1; both 03-basket
    # Search by name on the on-screen keyboard, then Done (the keyboard closes).
    tap $search; tap $key_c; tap $key_o; tap $key_l; tap $key_a; both 03-search
    tap $search
    tap $pay; both 04-pay
    tap $card; sleep 3; both 05-thanks
    tap $no_receipt
    tap $fuel; both 06-fuel
    tap $pump1; tap $amount1; sleep 3; both 07-fuel-ready
    # The ready screen gives way to the start after a while.
    sleep 13
    tap $start; tap $tile1
    tap $staff; both 08-call-staff
    if [ "${IDLE:-1}" = 1 ]; then
      # Left alone: "Do you need more time?" after the idle time (60 s in demo mode).
      sleep 62; shot 09-more-time
    fi
    kill "$till" 2>/dev/null || true
    wait "$till" 2>/dev/null || true
    # An outdoor payment terminal (`--outdoor`): every start key opens "Pay for fuel".
    XDG_CONFIG_HOME=$work/config-out-$size-$locale "$bin" --kiosk --outdoor --data-dir "$data-out" >"$work/log-out-$size-$locale" 2>&1 &
    till=$!; pids+=($till)
    sleep 4
    both 10-outdoor-start
    start=$out_en; [ "$locale" = de-DE ] && start=$out_de
    tap $start; sleep 1; both 11-outdoor-fuel
    kill "$till" 2>/dev/null || true
    wait "$till" 2>/dev/null || true
    montage "$dir"/*.png -tile 6x -geometry 360x360+4+4 "$out/$size-$locale.png"
    echo "$size $locale: $(ls "$dir" | wc -l) screenshots, contact sheet $out/$size-$locale.png"
  done
done
