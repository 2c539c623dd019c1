#!/usr/bin/env bash
# Start-up to first frame, peak memory and idle CPU of the real window under Xvfb: release build,
# software renderer, demo catalog. Needs Xvfb (apt-get install xvfb).
#   bash benches/screen.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v Xvfb >/dev/null || { echo "benches/screen.sh needs Xvfb: apt-get install xvfb" >&2; exit 1; }
cargo build --release -q -p till
bin=${TILL_BIN:-$PWD/target/release/till}
work=$(mktemp -d)
display=:97
Xvfb "$display" -screen 0 1024x768x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 1
export DISPLAY=$display XDG_CONFIG_HOME=$work/config

# The first run creates and seeds the demo store; the timed runs start on it as a till would.
"$bin" --data-dir "$work/data" --exit-after-first-frame >/dev/null
times=()
for _ in 1 2 3 4 5 6 7; do
  times+=("$("$bin" --data-dir "$work/data" --exit-after-first-frame | sed -n 's/^first_frame_ms=//p')")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "first frame (ms, 7 runs): $(echo $sorted) -> median $(echo "$sorted" | sed -n 4p) (target < 300)"

"$bin" --data-dir "$work/data" >/dev/null 2>&1 &
pid=$!
sleep 3
tck=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
idle() {
  local c0 c1
  c0=$(cpu); sleep 10; c1=$(cpu)
  echo "idle CPU over 10 s on the $1 screen: $(( (c1 - c0) * 1000 / tck )) ms of CPU"
}
idle sign-in
if command -v xdotool >/dev/null; then
  # Sign in, open a shift and ring up items as a cashier would, at 1024x768: taps on the PIN pad
  # and the float keypad, tiles, and codes typed by the keyboard "scanner".
  tap() { xdotool mousemove "$1" "$2" click 1; sleep 0.15; }
  tap 168 249; for _ in 1 2 3 4; do tap 697 471; done; tap 819 619; sleep 0.5
  tap 382 477; tap 511 405; tap 511 549; tap 511 549; tap 511 549; tap 511 625; sleep 0.5
  tap 509 220; tap 697 220; tap 509 310
  wid=$(xdotool search --name "Till" | head -1); xdotool windowfocus --sync "$wid" 2>/dev/null || true
  xdotool type --delay 5 "4006381333931"; xdotool key Return; sleep 0.3
  xdotool type --delay 5 "90162602"; xdotool key Return; sleep 0.5
  import -window root "$PWD/target/screenshots/xvfb-sale.png" 2>/dev/null || true
  idle sale
else
  echo "(xdotool not installed: the sale screen is not measured)"
fi
echo "peak resident memory: $(awk '/VmHWM/{printf "%.1f MB", $2/1024}' "/proc/$pid/status") (target < 80 MB)"
kill "$pid"
