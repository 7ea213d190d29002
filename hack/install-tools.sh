#!/usr/bin/env bash
# Installs the chart and monitoring tools used by the tests, once, into a versioned cache folder:
# helm (built with Go through the Go module proxy), prometheus and promtool (from Debian's prometheus package) and the
# prometheus-operator CRDs (ServiceMonitor, PodMonitor, PrometheusRule; from its Go module).
# Prints two lines: the folder holding the binaries, then the folder holding the CRDs.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-3.18.6}"
PROMETHEUS_OPERATOR_VERSION="${PROMETHEUS_OPERATOR_VERSION:-0.85.0}"
CACHE_ROOT="${IPAC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ip-address-controller}"
OUT="$CACHE_ROOT/tools-helm-v${HELM_VERSION}"
log() { echo "[tools] $*" >&2; }
mkdir -p "$OUT/bin"

if [ ! -x "$OUT/bin/helm" ]; then
  log "building helm v$HELM_VERSION (first run: a few minutes)"
  # helm's version ldflags, so offline `helm template` assumes a current Kubernetes and reports its version.
  ld="-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION"
  ld="$ld -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=34"
  ld="$ld -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=34"
  GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$OUT/bin" go install -trimpath -ldflags "$ld" "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
fi

if [ ! -x "$OUT/bin/promtool" ] || [ ! -x "$OUT/bin/prometheus" ]; then
  log "fetching prometheus and promtool from Debian's prometheus package"
  tmp="$(mktemp -d)"
  (cd "$tmp" && { apt-get download prometheus >&2 2>/dev/null || { apt-get update >&2 && apt-get download prometheus >&2; }; })
  dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/root"
  cp "$tmp/root/usr/bin/promtool" "$tmp/root/usr/bin/prometheus" "$OUT/bin/"
  rm -rf "$tmp"
fi
crds="$CACHE_ROOT/prometheus-operator-v$PROMETHEUS_OPERATOR_VERSION-crds"
if [ ! -f "$crds/monitoring.coreos.com_prometheusrules.yaml" ]; then
  log "fetching prometheus-operator v$PROMETHEUS_OPERATOR_VERSION CRDs"
  dir="$(GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "github.com/prometheus-operator/prometheus-operator@v$PROMETHEUS_OPERATOR_VERSION" |
    sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  mkdir -p "$crds"
  for kind in servicemonitors podmonitors prometheusrules; do
    cp "$dir/example/prometheus-operator-crd/monitoring.coreos.com_$kind.yaml" "$crds/"
  done
fi
echo "$OUT/bin"
echo "$crds"
