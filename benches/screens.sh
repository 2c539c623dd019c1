#!/usr/bin/env bash
# Screenshots from the real window: the release binary under Xvfb, every counter screen walked
# with xdotool as a manager would tap it, in each locale and theme, at 1024x768 and 1920x1080.
# PNGs go to target/screenshots/real/<size>/<locale>-<theme>/, one contact sheet per run beside
# them (<locale>-<theme>.png) to look at many at once. Also measures the first frame and peak
# memory of each size. Needs Xvfb, xdotool and ImageMagick:
#   apt-get install -y xvfb xdotool imagemagick
#   bash benches/screens.sh                 # every locale and theme
#   LOCALES="de-DE" THEMES="dark" bash benches/screens.sh
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in Xvfb xdotool import montage; do
  command -v "$tool" >/dev/null || { echo "benches/screens.sh needs $tool: apt-get install -y xvfb xdotool imagemagick" >&2; exit 1; }
done
[ -n "${TILL_BIN:-}" ] || cargo build --release -q --locked -p till
bin=${TILL_BIN:-$PWD/target/release/till}
out=$PWD/target/screenshots/real
locales=${LOCALES:-en-US de-DE es-ES hi-IN id-ID}
themes=${THEMES:-light dark contrast}
sizes=${SIZES:-1024x768 1920x1080}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

# Where the keys are, per screen size (x y in pixels), the same in every theme. Keys are laid
# out by the screen's width, except the status bar's chips (and the forecourt header's keys),
# whose places move with the length of their words: they are tapped last, or on the left.
coords() {
  case "$1" in
    1024x768)
      manager="463 287"; pin9="942 351"; signin="819 643"
      f1="382 503"; f5="512 431"; f0="512 575"; open_shift="512 651"
      tile1="510 357"; tile2="699 357"; tile3="510 457"
      k3="979 542"; k0="904 602"; more1="196 151"; menu_close="512 539"
      cancel="919 729"; confirm_no="380 487"
      pay="209 643"; exact="549 199"; next="289 464"
      forecourt="936 151"; prices="758 151"; prices_close="653 555"; back_sale="645 151"
      devices="567 29"; devices_back="917 143"; sync="760 29"; sync_back="917 143"
      close_shift="559 729"; c1="349 430"; c5="511 370"; c0="511 490"; close_ok="604 558"; close_yes="620 487"
      done_key="512 567"; signout="724 729"
      ;;
    1920x1080)
      manager="1026 382"; pin9="1815 491"; signin="1642 897"
      f1="777 706"; f5="959 604"; f0="959 807"; open_shift="959 909"
      tile1="909 492"; tile2="1184 492"; tile3="909 633"
      k3="1859 753"; k0="1754 837"; more1="348 207"; menu_close="960 758"
      cancel="1737 1030"; confirm_no="774 685"
      pay="389 919"; exact="1026 273"; next="649 653"
      forecourt="1801 207"; prices="1557 207"; prices_close="1115 729"; back_sale="1398 207"
      devices="1332 41"; devices_back="1800 195"; sync="1572 41"; sync_back="1800 195"
      close_shift="1066 1030"; c1="731 605"; c5="959 520"; c0="959 689"; close_ok="1089 785"; close_yes="1112 685"
      done_key="960 797"; signout="1379 1030"
  esac
}

tap() { xdotool mousemove $1 $2 click 1; sleep "${PAUSE:-0.35}"; }
shot() { sleep 0.3; import -window root "$dir/$1.png"; }

# One seeded demo store, copied for every run: each run starts signed out on the same data.
seed=$work/seed
Xvfb :91 -screen 0 1024x768x24 >/dev/null 2>&1 &
pids+=($!)
sleep 1
DISPLAY=:91 XDG_CONFIG_HOME=$work/config "$bin" --data-dir "$seed" --exit-after-first-frame >/dev/null

n=92
for size in $sizes; do
  coords "$size"
  display=:$n; n=$((n + 1))
  Xvfb "$display" -screen 0 "${size}x24" >/dev/null 2>&1 &
  pids+=($!)
  sleep 1
  export DISPLAY=$display XDG_CONFIG_HOME=$work/config
  # Start-up and memory of this size, on the seeded store.
  times=()
  for _ in 1 2 3 4 5; do
    rm -rf "$work/bench"; cp -a "$seed" "$work/bench"
    times+=("$("$bin" --data-dir "$work/bench" --exit-after-first-frame | sed -n 's/^first_frame_ms=//p')")
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  echo "$size: first frame (ms, 5 runs): $(echo $sorted) -> median $(echo "$sorted" | sed -n 3p)"
  for locale in $locales; do
    for theme in $themes; do
      dir=$out/$size/$locale-$theme
      rm -rf "$dir" "$work/data"; mkdir -p "$dir"; cp -a "$seed" "$work/data"
      # The look is chosen as on the sign-in screen, remembered by the terminal.
      echo "{\"cmd\":\"set_look\",\"language\":\"$locale\",\"theme\":\"$theme\"}" |
        "$bin" --data-dir "$work/data" exec - >/dev/null
      "$bin" --data-dir "$work/data" >"$dir/till.log" 2>&1 &
      pid=$!
      sleep 2.5
      shot 01-sign-in
      tap $manager; for _ in 1 2 3 4; do tap $pin9; done; tap $signin; sleep 0.5
      tap $f1; tap $f5; tap $f0; tap $f0; tap $f0; shot 02-open-shift
      tap $open_shift; sleep 0.5; shot 03-sale-empty
      tap $tile1; tap $tile2; tap $tile3; tap $tile1; shot 04-sale
      tap $k3; tap $k0; tap $k0; tap $k0; tap $more1; shot 05-pump-menu
      tap $menu_close; tap $cancel; shot 06-confirm-cancel
      tap $confirm_no; tap $pay; shot 07-tender
      tap $exact; sleep 0.5; shot 08-receipt
      tap $next; tap $forecourt; sleep 0.5; shot 09-forecourt
      tap $prices; shot 10-prices
      tap $prices_close; tap $back_sale
      tap $close_shift; tap $c1; tap $c5; tap $c0; tap $c0; tap $c0; shot 11-close-count
      tap $close_ok; shot 12-close-confirm
      tap $close_yes; sleep 0.5; shot 13-shift-summary
      tap $done_key; shot 14-after-close
      # Last: the chips' places depend on their words' length, so a miss here spoils nothing.
      tap $devices; sleep 0.5; shot 15-devices
      tap $devices_back; tap $sync; sleep 0.5; shot 16-sync
      echo "$size $locale $theme: peak resident memory $(awk '/VmHWM/{printf "%.1f MB", $2/1024}' "/proc/$pid/status")"
      kill "$pid"; wait "$pid" 2>/dev/null || true
      montage "$dir"/[0-9]*.png -tile 4x -geometry 480x+4+4 "$out/$size/$locale-$theme.png"
    done
  done
done
echo "screenshots: $out"
