#!/usr/bin/env bash
# Renders the Helm chart into the plain manifests under deploy/ (kube-system, default values, monitoring on:
# rules, a ServiceMonitor and the Grafana dashboard's ConfigMap, so `kubectl apply -f deploy/monitoring/` works).
# Usage: hack/generate-manifests.sh [OUTPUT_ROOT]   (default: the repository; a test renders to a temp dir
# and compares, so deploy/ never drifts from the chart).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root}"
helm="$(bash "$root/hack/install-tools.sh" | sed -n 1p)/helm" # sed reads every line: head would SIGPIPE the script under pipefail
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$helm" template ip-address-controller "$root/charts/ip-address-controller" --namespace kube-system \
  --set prometheusRule.enabled=true,serviceMonitor.enabled=true,grafanaDashboard.enabled=true \
  --output-dir "$tmp" >/dev/null
rendered="$tmp/ip-address-controller/templates"
mkdir -p "$out/deploy/rbac" "$out/deploy/manager" "$out/deploy/monitoring"
header="# Generated from charts/ip-address-controller by hack/generate-manifests.sh (make generate). Do not edit."
place() { { echo "$header"; grep -v '^# Source:' "$rendered/$1"; } >"$out/deploy/$2/$1"; }
place serviceaccount.yaml rbac
place rbac.yaml rbac
place deployment.yaml manager
place pdb.yaml manager
place service.yaml manager
place prometheusrule.yaml monitoring
place servicemonitor.yaml monitoring
place grafana-dashboard.yaml monitoring
