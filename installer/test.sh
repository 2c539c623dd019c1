#!/usr/bin/env bash
# The package's tests, as root on a machine that is not a counter (CI's): installer/test.sh
#
# Builds a package of a lower version and the current one, installs the lower one, makes
# sales on the installed store as the till user, upgrades (every sale kept, the journal
# verifies, a backup taken before the migration, the configuration kept), runs the kiosk
# session on cage's headless backend with the watchdog, removes (the store kept) and purges
# (the configuration gone, the store kept and named). lintian and systemd-analyze verify check
# the package and its units. Exits non-zero on any failure, with "N passed, N failed" last.
#
#   TILL_BIN   a release binary already built (else installer/build.sh builds one)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export DEBIAN_FRONTEND=noninteractive
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
[ "$(id -u)" = 0 ] || { echo "installer/test.sh installs a package: run it as root" >&2; exit 1; }

STORE=/var/lib/till
MARK=$STORE/.installer-test
if { dpkg -s till >/dev/null 2>&1 || [ -e "$STORE" ]; } && [ ! -e "$MARK" ]; then
    echo "installer/test.sh: till is installed here or $STORE exists: this is not a test machine; nothing done" >&2
    exit 1
fi

need=()
for p in lintian cage xwayland systemd udev adduser sqlite3 binutils; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

passed=0
failed=0
log=$(mktemp -d)
check() { # check NAME COMMAND...: runs it, counts it, shows its output when it fails
    local name=$1
    shift
    if "$@" >"$log/out" 2>&1; then
        passed=$((passed + 1))
        echo "ok    $name"
    else
        failed=$((failed + 1))
        echo "FAIL  $name"
        sed 's/^/      | /' "$log/out" | tail -40
    fi
}
as_till() { runuser -u till -- "$@"; }
sales() { sqlite3 -readonly "$1" "SELECT receipt_no, event_id, total_minor FROM sales ORDER BY receipt_no"; }
export -f sales
has() { grep -q -- "$1" "$log/out"; }
cleanup() {
    dpkg --purge till >/dev/null 2>&1 || true
    if [ -e "$MARK" ]; then rm -rf "$STORE"; fi
    rm -rf /etc/till "$log/debs"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cleanup

# The packages: the current version, and a lower one (the same binary: the upgrade's path is
# the same whatever the schema; a migration itself is tested with the store's own tests).
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
old="$version~test1"
if [ -z "${TILL_BIN:-}" ]; then
    nice -n 10 cargo build --release --locked -p till
    export TILL_BIN=$CARGO_TARGET_DIR/release/till
fi
mkdir -p "$log/debs"
check "the package builds (version $old)" bash -c "TILL_DEB_VERSION='$old' installer/build.sh '$log/debs' >'$log/old'"
check "the package builds (version $version)" bash -c "installer/build.sh '$log/debs' >'$log/new'"
old_deb=$(cat "$log/old")
new_deb=$(cat "$log/new")
[ -f "$old_deb" ] && [ -f "$new_deb" ] || { echo "no package built; $passed passed, $((failed + 1)) failed"; exit 1; }
check "lintian reports no errors" lintian --fail-on error "$new_deb"
lintian "$new_deb" | sed 's/^/      lintian: /'

# Install the lower version.
check "apt installs the package with its dependencies" apt-get install -y -qq "$old_deb"
mkdir -p "$STORE" && touch "$MARK"
check "till --version runs as the till user" bash -c "runuser -u till -- till --version | grep -q '^till '"
check "till config check runs as the till user" bash -c "runuser -u till -- till config check >'$log/cfg' && grep -q 'config: /etc/till/config.toml' '$log/cfg' && grep -q 'data dir: /var/lib/till' '$log/cfg' && grep -q 'terminal: COUNTER-01' '$log/cfg'"
check "the till user is in dialout" bash -c "id -nG till | tr ' ' '\n' | grep -qx dialout"
check "/var/lib/till is till's, 0700" bash -c "[ \"\$(stat -c '%U:%G %a' $STORE)\" = 'till:till 700' ]"
check "/etc/till/config.toml is root:till, 0640" bash -c "[ \"\$(stat -c '%U:%G %a' /etc/till/config.toml)\" = 'root:till 640' ]"
check "the config is a conffile" bash -c "dpkg-query -W -f='\${Conffiles}' till | grep -q /etc/till/config.toml"
check "systemd-analyze verify accepts the units" \
    systemd-analyze verify /lib/systemd/system/till.service /lib/systemd/system/till-backup.service /lib/systemd/system/till-backup.timer
check "the units say what the kiosk needs" bash -c "grep -qx 'Restart=always' /lib/systemd/system/till.service && grep -q '^WatchdogSec=' /lib/systemd/system/till.service && grep -qx 'User=till' /lib/systemd/system/till.service"
check "udev reads the serial rules without complaint" bash -c "udevadm test --action=add /sys/class/tty/tty0 >'$log/udev' 2>&1; grep -q 60-till-serial.rules '$log/udev' && ! grep -i '60-till-serial.rules.*\(invalid\|error\|unknown\)' '$log/udev'"
check "till hw ports --udev writes a rules file" bash -c "runuser -u till -- till hw ports --udev | grep -q '61-till-ports.rules'"

# Sales on the installed store, as the till user.
script=$log/sales.jsonl
{
    echo '{"cmd":"login","pin":"1111"}'
    echo '{"cmd":"open_shift","float":"100.00"}'
    for i in $(seq 1 25); do
        echo '{"cmd":"scan","code":"4006381333931"}'
        if [ $((i % 2)) = 0 ]; then echo '{"cmd":"scan","code":"90162602"}'; fi
        echo '{"cmd":"tender","method":"cash","amount":"20.00"}'
    done
} >"$script"
chmod 0644 "$script"
chmod 0755 "$log"
check "users and catalog on the installed store" bash -c "
    runuser -u till -- till user add --name Manager --role manager --pin 9999 &&
    runuser -u till -- till user add --name Cashier --role cashier --pin 1111 --manager-pin 9999 &&
    runuser -u till -- till catalog import /usr/share/till/catalog.csv"
check "25 sales with till exec as the till user" bash -c "runuser -u till -- till exec '$script' >'$log/exec' && [ \"\$(grep -c '\"sale\"' '$log/exec')\" = 25 ]"
check "the nightly backup (till-backup.service's command) works" bash -c "runuser -u till -- till backup | grep -q 'journal verified'"
sales "$STORE/till.sqlite" >"$log/before"
echo "# kept across the upgrade" >>/etc/till/config.toml

# The upgrade.
check "the upgrade installs" bash -c "apt-get install -y -qq -o Dpkg::Options::=--force-confold '$new_deb' >'$log/upgrade' 2>&1; rc=\$?; cat '$log/upgrade'; exit \$rc"
check "the upgrade took a verified backup before the migration" grep -qE "^backup: $STORE/backups/till-COUNTER-01-.*-pre-upgrade-from-$old.sqlite .*journal verified" "$log/upgrade"
check "the upgrade ran the migration step" grep -qE "up to date|migrated the store" "$log/upgrade"
check "version $version is installed" bash -c "[ \"\$(dpkg-query -W -f='\${Version}' till)\" = '$version' ]"
check "every sale is there after the upgrade" bash -c "sales $STORE/till.sqlite >'$log/after' && [ \"\$(wc -l <'$log/after')\" = 25 ] && cmp '$log/before' '$log/after'"
check "the journal verifies after the upgrade" bash -c "runuser -u till -- till journal verify | grep -q 'journal OK'"
pre=$(ls "$STORE"/backups/till-COUNTER-01-*-pre-upgrade-from-*.sqlite 2>/dev/null | head -1)
check "the pre-upgrade backup holds every sale" bash -c "[ -n '$pre' ] && sales '$pre' | cmp - '$log/before'"
check "the configuration was kept, root:till 0640" bash -c "tail -1 /etc/till/config.toml | grep -q 'kept across the upgrade' && [ \"\$(stat -c '%U:%G %a' /etc/till/config.toml)\" = 'root:till 640' ]"
check "Till sells again after the upgrade (receipt 26)" bash -c "printf '%s\n' '{\"cmd\":\"login\",\"pin\":\"1111\"}' '{\"cmd\":\"scan\",\"code\":\"4006381333931\"}' '{\"cmd\":\"tender\",\"method\":\"card\",\"amount\":\"1.29\"}' | runuser -u till -- till exec - | grep -q '\"receipt_no\":26'"

# The kiosk session and the watchdog, with the installed binary as the installed unit runs it.
# (Xwayland's socket folder, as systemd-tmpfiles makes it on a booted system.)
install -d -m 1777 /tmp/.X11-unix
check "the kiosk session starts the window; the watchdog catches a hung Till" bash -c "
    TILL_KIOSK_BIN=/usr/bin/till TILL_KIOSK_USER=till TILL_KIOSK_RUN=/run/till-kiosk-test \
    nice -n 10 cargo test --workspace --locked --test kiosk_session -- --ignored --nocapture 2>&1"
rm -rf /run/till-kiosk-test

# Removal keeps the store; purging removes the configuration and names where the sales are.
sales "$STORE/till.sqlite" >"$log/before"
check "the package is removed" bash -c "apt-get remove -y -qq till >'$log/remove' 2>&1; rc=\$?; cat '$log/remove'; exit \$rc"
check "removal took a last backup" grep -q "journal verified" "$log/remove"
check "removal keeps /var/lib/till and every sale" bash -c "[ ! -e /usr/bin/till ] && sales $STORE/till.sqlite | cmp - '$log/before'"
check "removal keeps the configuration" test -f /etc/till/config.toml
check "purging removes the configuration" bash -c "dpkg --purge till >'$log/purge' 2>&1; rc=\$?; cat '$log/purge'; [ \$rc = 0 ] && [ ! -e /etc/till ]"
check "purging says where the sales are and deletes none" bash -c "grep -q 'NOT deleted: they are in /var/lib/till' '$log/purge' && grep -q '26 sales' '$log/purge' && sales $STORE/till.sqlite | cmp - '$log/before'"

echo "installer: $passed passed, $failed failed"
[ "$failed" = 0 ]
