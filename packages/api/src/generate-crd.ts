import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { stringify } from "yaml";
import { netIPAllocationCRD } from "./crd.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const HEADER = "# Generated from packages/api/src/schema.ts by `make generate`. Do not edit by hand.\n";

/** The CRD as committed under deploy/crds. */
export function renderCRD(): string {
  return HEADER + stringify(netIPAllocationCRD(), { lineWidth: 0 });
}

/**
 * The CRD as a chart template, as cert-manager ships its CRDs: Helm installs and upgrades it with the release
 * (files in a chart's crds/ are never upgraded) when crds.enabled, and keeps it on uninstall when crds.keep,
 * since deleting a CRD deletes every NetIPAllocation.
 */
export function renderCRDTemplate(): string {
  const metadata = [
    "metadata:",
    "  labels:",
    '    {{- include "ipac.labels" . | nindent 4 }}',
    "  {{- if .Values.crds.keep }}",
    "  annotations:",
    "    helm.sh/resource-policy: keep",
    "  {{- end }}",
  ].join("\n");
  const crd = stringify(netIPAllocationCRD(), { lineWidth: 0 }).replace(/^metadata:$/m, metadata);
  return `${HEADER}{{- if .Values.crds.enabled }}\n${crd}{{- end }}\n`;
}

/** Where the CRD is committed, and how each file is rendered. */
export const CRD_FILES: [file: string, render: () => string][] = [
  [resolve(root, "deploy/crds/netinfra.darkbrains.com_netipallocations.yaml"), renderCRD],
  [resolve(root, "charts/ip-address-controller/templates/crd.yaml"), renderCRDTemplate],
];

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [file, render] of CRD_FILES) {
    writeFileSync(file, render());
    console.log(`wrote ${file}`);
  }
}
