import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { stringify } from "yaml";
import { netIPAllocationCRD } from "./crd.js";

export const CRD_FILE = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../deploy/crds/netinfra.darkbrains.com_netipallocations.yaml",
);

/** The CRD as committed under deploy/crds (and, later, the chart). */
export function renderCRD(): string {
  const header = "# Generated from packages/api/src/schema.ts by `make generate`. Do not edit by hand.\n";
  return header + stringify(netIPAllocationCRD(), { lineWidth: 0 });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(CRD_FILE, renderCRD());
  console.log(`wrote ${CRD_FILE}`);
}
