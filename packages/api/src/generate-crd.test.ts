import { readFileSync } from "node:fs";
import { CRD_FILE, renderCRD } from "./generate-crd.js";

describe("deploy/crds", () => {
  it("matches the schema in packages/api (run `make generate` after changing it)", () => {
    expect(readFileSync(CRD_FILE, "utf8")).toBe(renderCRD());
  });
});
