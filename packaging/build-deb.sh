#!/usr/bin/env bash
# Builds pkg/gatekeeper_<version>_all.deb with dpkg-deb: the program and its
# production node_modules under /usr/lib/gatekeeper, /usr/bin/gatekeeper, the
# configuration and the pages as conffiles under /etc/gatekeeper, the units
# under /lib/systemd/system. Nothing is downloaded when the package installs.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(node -p "require('./package.json').version")
name="gatekeeper_${version}_all"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/$name"

lib="$root/usr/lib/gatekeeper"
install -d "$lib/dist" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/gatekeeper/pages" \
  "$root/usr/share/doc/gatekeeper" "$root/DEBIAN"
echo "package:deb: building the program" >&2
# into the package's own tree: the checkout's dist/ is left alone
npx tsc -p tsconfig.json --outDir "$lib/dist" --sourceMap false
cp package.json package-lock.json LICENSE "$lib/"
echo "package:deb: production dependencies" >&2
(cd "$lib" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
rm "$lib/package-lock.json"
chmod 0755 "$lib/dist/src/cli.js"
ln -s ../lib/gatekeeper/dist/src/cli.js "$root/usr/bin/gatekeeper"

install -m 0640 config/gatekeeper.yaml "$root/etc/gatekeeper/gatekeeper.yaml"
cp -r maintenance-pages/. "$root/etc/gatekeeper/pages/"
install -m 0644 systemd/gatekeeper.service systemd/gatekeeper-firewall.service "$root/lib/systemd/system/"
cp -r README.md LICENSE docs "$root/usr/share/doc/gatekeeper/"

# every file under /etc is the operator's to edit: an upgrade keeps the edits
(cd "$root" && find etc -type f | sort | sed 's|^|/|') > "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "packaging/debian/$script" "$root/DEBIAN/$script"; done
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" packaging/debian/control > "$root/DEBIAN/control"

mkdir -p pkg
dpkg-deb --root-owner-group -Zxz --build "$root" "pkg/$name.deb" >/dev/null
echo "pkg/$name.deb"
