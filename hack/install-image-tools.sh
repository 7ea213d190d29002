#!/usr/bin/env bash
# Installs buildah, podman and runc from the distribution's packages when missing (Debian/Ubuntu, as root): the image
# is built with buildah and run by the tests with podman, with no Docker engine and no container registry.
set -euo pipefail
if command -v buildah >/dev/null && command -v podman >/dev/null && command -v runc >/dev/null; then exit 0; fi
echo "[image-tools] installing buildah, podman and runc from Debian packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends buildah podman runc >&2 ||
  { apt-get update >&2 && apt-get install -y --no-install-recommends buildah podman runc >&2; }
