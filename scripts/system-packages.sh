#!/bin/sh
# Make sure the Debian packages Antre needs are installed: install them when running as root,
# otherwise say exactly what to install and stop.
missing=""
for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ]; then
    echo "installing system packages:$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
else
    echo "Antre needs these system packages:$missing" >&2
    echo "install them with:  sudo apt-get install$missing" >&2
    exit 1
fi
