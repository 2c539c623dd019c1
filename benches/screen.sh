#!/usr/bin/env bash
# Start-up to first frame, peak memory and idle CPU of the real window under Xvfb: release build,
# software renderer, demo catalog. Needs Xvfb (apt-get install xvfb).
#   bash benches/screen.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v Xvfb >/dev/null || { echo "benches/screen.sh needs Xvfb: apt-get install xvfb" >&2; exit 1; }
cargo build --release -q -p till
bin=$PWD/target/release/till
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
c0=$(cpu); sleep 10; c1=$(cpu)
echo "idle CPU over 10 s on the sign-in screen: $(( (c1 - c0) * 1000 / tck )) ms of CPU ($(awk "BEGIN{printf \"%.2f\", ($c1-$c0)/$tck/10*100}") %)"
echo "peak resident memory: $(awk '/VmHWM/{printf "%.1f MB", $2/1024}' "/proc/$pid/status") (target < 80 MB)"
kill "$pid"
