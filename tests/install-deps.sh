#!/usr/bin/env bash
# install-deps.sh - install the Debian packages streamc needs to build and test,
# if they are missing. Idempotent; quiet when everything is there.
set -eu
packages=(gcc make flex bison libcunit1-dev netcat-openbsd)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
