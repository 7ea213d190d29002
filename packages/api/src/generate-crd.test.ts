import { readFileSync } from "node:fs";
import { CRD_FILES } from "./generate-crd.js";

describe("the committed CRD (deploy/crds and the chart's template)", () => {
  it.each(CRD_FILES)(
    "%s matches the schema in packages/api (run `make generate` after changing it)",
    (file, render) => {
      expect(readFileSync(file, "utf8")).toBe(render());
    },
  );
});
