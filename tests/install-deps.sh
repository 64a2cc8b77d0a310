#!/usr/bin/env bash
# install-deps.sh - install the Debian packages streamc needs to build and test,
# if they are missing. Idempotent; quiet when everything is there.
set -eu
packages=(gcc make flex bison libcunit1-dev netcat-openbsd librdkafka-dev kcat libhiredis-dev redis-server libmicrohttpd-dev curl chromium python3 iproute2 pkg-config cmake ninja-build clang libclang-rt-14-dev strace)
missing=()
for p in "${packages[@]}"; do
    # "install ok installed": dpkg -s also succeeds for a removed package's leftovers
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
