#!/usr/bin/env bash
# Builds the local control plane (kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kwok)
# from the Go module proxy into a versioned cache folder, once. Prints that folder on stdout.
# With KUBEBUILDER_ASSETS set (envtest layout), nothing is built; that folder is used as is.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-3.6.4}"
KWOK_VERSION="${KWOK_VERSION:-0.7.0}"
CACHE_ROOT="${IPAC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ip-address-controller}"
OUT="$CACHE_ROOT/k8s-v${K8S_VERSION}-etcd-v${ETCD_VERSION}-kwok-v${KWOK_VERSION}"

log() { echo "[control-plane] $*" >&2; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  for b in kube-apiserver etcd; do
    [ -x "$KUBEBUILDER_ASSETS/$b" ] || { log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no $b"; exit 1; }
  done
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

BINARIES="etcd kwok kube-apiserver kube-controller-manager kube-scheduler kubectl"
complete() { for b in $BINARIES; do [ -x "$OUT/bin/$b" ] || return 1; done; }
if complete; then
  echo "$OUT"
  exit 0
fi

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$OUT/bin" "$CACHE_ROOT/src"
start=$(date +%s)

# Staging modules that k8s.io/kubernetes requires at v0.0.0 and replaces with ./staging/...
STAGING="api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider cluster-bootstrap
code-generator component-base component-helpers controller-manager cri-api cri-client csi-translation-lib
dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator kube-controller-manager kube-proxy
kube-scheduler kubectl kubelet metrics mount-utils pod-security-admission sample-apiserver sample-cli-plugin
sample-controller"

build_k8s() {
  local dir="$CACHE_ROOT/src/k8s-v$K8S_VERSION"
  mkdir -p "$dir"
  {
    echo "module ipac.local/k8s-build"
    echo
    echo "go 1.24.0"
    echo
    echo "godebug default=go1.24"
    echo
    echo "require k8s.io/kubernetes v$K8S_VERSION"
    echo
    echo "replace ("
    for m in $STAGING; do echo "  k8s.io/$m => k8s.io/$m v0.${K8S_VERSION#1.}"; done
    echo ")"
  } >"$dir/go.mod"
  cat >"$dir/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  local minor="${K8S_VERSION#1.}"; minor="${minor%%.*}"
  local ld="-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1"
  ld="$ld -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  log "resolving k8s.io/kubernetes v$K8S_VERSION modules (first run downloads about 1 GB)"
  (cd "$dir" && go mod tidy -e >&2 2>&1 | tail -5 >&2 || true)
  (cd "$dir" && go mod download >&2)
  log "compiling kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (first run: several minutes)"
  (cd "$dir" && go build -trimpath -ldflags "$ld" -o "$OUT/bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl)
}

build_etcd() {
  local dir="$CACHE_ROOT/src/etcd-v$ETCD_VERSION"
  mkdir -p "$dir"
  printf 'module ipac.local/etcd-build\n\ngo 1.24.0\n\nrequire go.etcd.io/etcd/server/v3 v%s\n' "$ETCD_VERSION" >"$dir/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >"$dir/tools.go"
  log "building etcd v$ETCD_VERSION"
  (cd "$dir" && go mod tidy >&2 && go build -trimpath -ldflags "-s -w" -o "$OUT/bin/etcd" go.etcd.io/etcd/server/v3)
}

build_kwok() {
  log "building kwok v$KWOK_VERSION"
  GOBIN="$OUT/bin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
}

[ -x "$OUT/bin/etcd" ] || build_etcd
[ -x "$OUT/bin/kwok" ] || build_kwok
complete || build_k8s
log "control plane ready in $OUT (built in $(( $(date +%s) - start ))s)"
echo "$OUT"
