import { readFileSync } from "node:fs";
import { CRD_FILES, renderCRD } from "./generate-crd.js";

describe("the committed CRD (deploy/crds and the chart's crds/)", () => {
  it.each(CRD_FILES)("%s matches the schema in packages/api (run `make generate` after changing it)", (file) => {
    expect(readFileSync(file, "utf8")).toBe(renderCRD());
  });
});
