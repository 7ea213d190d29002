#!/usr/bin/env node
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { startControlPlane } from "./control-plane.js";
import { terminatePids } from "./shared-state.js";

const stateFile = join(
  process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"),
  "ip-address-controller",
  "testenv-up.json",
);

async function up(): Promise<void> {
  if (existsSync(stateFile)) await down();
  const started = Date.now();
  const cp = await startControlPlane();
  mkdirSync(dirname(stateFile), { recursive: true });
  writeFileSync(stateFile, JSON.stringify({ pids: cp.pids, dir: cp.dir }));
  console.log(`control plane ready in ${((Date.now() - started) / 1000).toFixed(1)}s at ${cp.server}`);
  console.log(`logs: ${cp.dir}/*.log`);
  console.log(`export KUBECONFIG=${cp.kubeconfigPath}`);
  const shutdown = async () => {
    await cp.stop();
    rmSync(stateFile, { force: true });
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

async function down(): Promise<void> {
  if (!existsSync(stateFile)) return;
  const state = JSON.parse(readFileSync(stateFile, "utf8")) as { pids: number[]; dir: string };
  await terminatePids(state.pids);
  rmSync(state.dir, { recursive: true, force: true });
  rmSync(stateFile, { force: true });
  console.log("control plane stopped");
}

const command = process.argv[2];
if (command === "up") await up();
else if (command === "down") await down();
else {
  console.error("usage: testenv up | testenv down");
  process.exit(2);
}
