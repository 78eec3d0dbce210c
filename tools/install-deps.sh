#!/bin/sh
# spisync -- install the Debian 12 packages the build and tests need.
# Installs only what is missing. As root it runs apt-get (one 'apt-get update'
# first); otherwise it prints the exact command and fails.
set -eu

# Why each package is here: README.md, "Dependencies".
PACKAGES="
gcc
g++
make
pkg-config
verilator
yosys
libssl-dev
libcmocka-dev
libpci-dev
libxrt-dev
gcc-riscv64-unknown-elf
valgrind
python3
libpcap-dev
libjson-c-dev
tshark
libinih-dev
python3-cryptography
python3-scapy
iproute2
strongswan-charon
strongswan-swanctl
libcharon-extra-plugins
libstrongswan-standard-plugins
iputils-ping
tcpdump
qemu-system-misc
tcl
"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "spisync: missing Debian packages:$missing" >&2
	echo "spisync: run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi

echo "spisync: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
