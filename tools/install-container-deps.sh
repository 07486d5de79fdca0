#!/bin/sh
# The Debian packages behind the local Azure's containers: Podman (+ runc), the CNCF Distribution
# registry and a static busybox (for images made with no network). Needs root and apt-get; does
# nothing when they are already installed. `make setup` cannot do this on a user's machine; the
# container features say what to install when these are missing, and the rest of azrm works without.
set -eu
missing=""
command -v podman >/dev/null 2>&1 || missing="$missing podman"
command -v runc >/dev/null 2>&1 || missing="$missing runc"
command -v docker-registry >/dev/null 2>&1 || missing="$missing docker-registry"
command -v busybox >/dev/null 2>&1 || missing="$missing busybox-static"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "container features need:$missing (install them with your package manager; skipping)"
    exit 0
fi
echo "installing:$missing"
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null
