#!/usr/bin/env node
// cloud-sim serve [--world world.json]: the GCP, AWS and Azure fronts and the admin API on loopback, until stopped.
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Simulator, type WorldFile } from "./simulator.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { world: { type: "string" }, "ca-out": { type: "string" } },
});
if (positionals[0] !== "serve") {
  console.error("usage: cloud-sim serve [--world world.json] [--ca-out azure-ca.pem]");
  process.exit(2);
}
const world = values.world ? (JSON.parse(readFileSync(values.world, "utf8")) as WorldFile) : {};
const simulator = new Simulator(world);
const endpoints = await simulator.start();
const caFile = values["ca-out"] ?? "azure-ca.pem";
writeFileSync(caFile, simulator.azure.ca);
console.log(JSON.stringify({ ...endpoints, env: { ...endpoints.env, NODE_EXTRA_CA_CERTS: caFile } }, null, 2));
const stop = async () => {
  await simulator.stop();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
