#!/usr/bin/env bash
# The kiosk's start and idle cost, from the real window: the release binary under Xvfb.
# - start to the start screen: `till --kiosk --exit-after-first-frame` on a fresh store
#   (the kiosk user and its drawer session are made on the way), five runs;
# - the start screen's CPU: the kiosk left alone on it for 20 s, the process's user + system
#   time over that window as a share of one core (target under 5 %).
# Needs Xvfb: apt-get install -y xvfb
#   bash benches/kiosk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v Xvfb >/dev/null || { echo "benches/kiosk.sh needs Xvfb: apt-get install -y xvfb" >&2; exit 1; }
[ -n "${TILL_BIN:-}" ] || cargo build --release -q --locked -p till
bin=${TILL_BIN:-$PWD/target/release/till}
work=$(mktemp -d)
display=:${KIOSK_DISPLAY:-91}
Xvfb "$display" -screen 0 1080x1920x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null || true; [ -n "${till:-}" ] && kill "$till" 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 1
export DISPLAY=$display
for i in 1 2 3 4 5; do
  "$bin" --kiosk --data-dir "$work/start-$i" --exit-after-first-frame 2>/dev/null | grep -o 'first_frame_ms=[0-9]*'
done
"$bin" --kiosk --data-dir "$work/idle" >/dev/null 2>&1 &
till=$!
sleep 4
ticks() { awk '{print $14 + $15}' "/proc/$till/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
sleep 20
t1=$(ticks)
awk -v a="$t0" -v b="$t1" -v hz="$hz" 'BEGIN { printf "start screen idle CPU: %.2f %% of one core over 20 s\n", (b - a) / hz / 20 * 100 }'
