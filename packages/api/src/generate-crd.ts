import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { stringify } from "yaml";
import { netIPAllocationCRD } from "./crd.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const FILE_NAME = "netinfra.darkbrains.com_netipallocations.yaml";
/** Where the CRD is committed: the plain manifests and the Helm chart. */
export const CRD_FILES = [
  resolve(root, "deploy/crds", FILE_NAME),
  resolve(root, "charts/ip-address-controller/crds", FILE_NAME),
];

/** The CRD as committed under deploy/crds (and, later, the chart). */
export function renderCRD(): string {
  const header = "# Generated from packages/api/src/schema.ts by `make generate`. Do not edit by hand.\n";
  return header + stringify(netIPAllocationCRD(), { lineWidth: 0 });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const file of CRD_FILES) {
    writeFileSync(file, renderCRD());
    console.log(`wrote ${file}`);
  }
}
