#!/usr/bin/env bash
# Installs moto's server (an independent implementation of the AWS EC2 API, from PyPI) into a cached
# virtualenv, once. Prints the path of its moto_server executable.
set -euo pipefail
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
CACHE_ROOT="${IPAC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ip-address-controller}"
venv="$CACHE_ROOT/moto-$MOTO_VERSION"
if [ ! -x "$venv/bin/moto_server" ]; then
  echo "[moto] installing moto[server]==$MOTO_VERSION into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
fi
echo "$venv/bin/moto_server"
