// Two projects: "unit" (pure logic, no I/O, milliseconds) and "e2e" (real control plane shared per worker).
const transform = { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2023" } }] };
const moduleNameMapper = {
  "^@ipac/([a-z-]+)$": "<rootDir>/packages/$1/src/index.ts",
  "^(\\.{1,2}/.*)\\.js$": "$1",
};
const common = { transform, moduleNameMapper, extensionsToTreatAsEsm: [".ts"], testEnvironment: "node" };

export default {
  // e2e tests wait on a real control plane; unit tests finish in milliseconds regardless.
  testTimeout: 120000,
  projects: [
    {
      ...common,
      displayName: "unit",
      testMatch: ["<rootDir>/packages/*/src/**/*.test.ts", "<rootDir>/test/chaos/**/*.test.ts"],
      testPathIgnorePatterns: ["\\.e2e\\.test\\.ts$"],
    },
    {
      ...common,
      displayName: "e2e",
      testMatch: [
        "<rootDir>/packages/*/src/**/*.e2e.test.ts",
        "<rootDir>/test/e2e/**/*.test.ts",
        "<rootDir>/test/chaos/**/*.e2e.test.ts",
      ],
      globalSetup: "<rootDir>/packages/testenv/src/jest-global-setup.ts",
      globalTeardown: "<rootDir>/packages/testenv/src/shared-state.ts",
    },
  ],
};
