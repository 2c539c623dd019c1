#!/usr/bin/env bash
# Builds the Debian package of Till: installer/build.sh [OUT_DIR]
#   TILL_DEB_VERSION  the package's version (default: the workspace's, from Cargo.toml)
#   TILL_BIN          a till binary already built (default: cargo build --release -p till)
#   CARGO_TARGET_DIR  where cargo builds (default: target/)
# Prints the path of the .deb it made.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${1:-$root/target/debian}
target=${CARGO_TARGET_DIR:-$root/target}

version=${TILL_DEB_VERSION:-$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)}
[ -n "$version" ] || { echo "build.sh: no version in Cargo.toml" >&2; exit 1; }
arch=$(dpkg --print-architecture)

bin=${TILL_BIN:-}
if [ -z "$bin" ]; then
    cargo build --release --locked -p till >&2
    bin=$target/release/till
fi
[ -x "$bin" ] || { echo "build.sh: no till binary at $bin" >&2; exit 1; }

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
chmod 0755 "$tree"
d=$tree
install -d "$d/DEBIAN" "$d/usr/bin" "$d/etc/till" "$d/etc/pam.d" "$d/lib/systemd/system" "$d/lib/udev/rules.d" \
    "$d/usr/share/till" "$d/usr/share/doc/till/fonts"
install -m 0755 "$bin" "$d/usr/bin/till"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$d/usr/bin/till"
# The example configuration: the demo station's settings under this terminal's header.
{ cat installer/etc/config-head.toml; sed -n '/^\[store\]/,$p' assets/demo/demo.toml; cat installer/etc/config-tail.toml; } \
    >"$d/etc/till/config.toml"
chmod 0640 "$d/etc/till/config.toml"
install -m 0644 installer/etc/pam-till-kiosk "$d/etc/pam.d/till-kiosk"
install -m 0644 installer/systemd/till.service installer/systemd/till-backup.service \
    installer/systemd/till-backup.timer "$d/lib/systemd/system/"
install -m 0644 installer/udev/60-till-serial.rules "$d/lib/udev/rules.d/"
install -m 0644 assets/demo/catalog.csv "$d/usr/share/till/catalog.csv"
install -m 0644 README.md "$d/usr/share/doc/till/README.md"
install -m 0644 assets/fonts/OFL-1.1.txt assets/fonts/DejaVu-LICENSE.txt "$d/usr/share/doc/till/fonts/"
install -m 0644 installer/debian/copyright "$d/usr/share/doc/till/copyright"
{
    echo "till ($version) stable; urgency=medium"
    echo
    echo "  * Till $version, packaged by installer/build.sh."
    echo
    echo " -- Till developers <till@example.org>  $(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n >"$d/usr/share/doc/till/changelog.gz"
chmod 0644 "$d/usr/share/doc/till/changelog.gz"

# The shared libraries the binary links, as package dependencies.
shlibs=$(ldd "$d/usr/bin/till" | awk '/=> \// { print $3 }' | while read -r lib; do
    dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true
done | cut -d: -f1 | sort -u | grep -v '^libc6$' | paste -sd, | sed 's/,/, /g')
# The newest glibc symbol version the binary uses.
libc=$(objdump -T "$d/usr/bin/till" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
shlibs="libc6 (>= $libc)${shlibs:+, $shlibs}"

size=$(du -sk --exclude=DEBIAN "$d" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@SHLIBS@/$shlibs/" \
    installer/debian/control.in >"$d/DEBIAN/control"
install -m 0644 installer/debian/conffiles "$d/DEBIAN/conffiles"
install -m 0755 installer/debian/postinst installer/debian/prerm installer/debian/postrm "$d/DEBIAN/"
(cd "$d" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) >"$d/DEBIAN/md5sums"
chmod 0644 "$d/DEBIAN/md5sums"

mkdir -p "$out"
deb=$out/till_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$d" "$deb" >&2
echo "$deb"
