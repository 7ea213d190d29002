#!/usr/bin/env node
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { cloudProviderFactory } from "./cloud-providers.js";
import { loadConfig } from "./config.js";
import { startController } from "./controller.js";

// The controller's entry point: configuration from the environment and flags, informers, leader election.
// SIGTERM stops cleanly and changes nothing (DESIGN §3.12); a lost lease stops all writes and exits 1.
const logger = pino({ level: process.env.LOG_LEVEL ?? "info", base: { component: "ip-address-controller" } });
try {
  const config = loadConfig();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const controller = await startController({ kubeConfig, config, cloudFor: cloudProviderFactory(logger), logger });
  logger.info({ port: controller.port, dryRun: config.dryRun, lease: config.leaseName }, "controller started");
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await controller.stop();
    process.exit(code);
  };
  process.on("SIGTERM", () => void stop(0));
  process.on("SIGINT", () => void stop(0));
  void controller.lostLeadership.then(() => stop(1));
} catch (error) {
  logger.fatal({ err: error instanceof Error ? error.message : String(error) }, "cannot start");
  process.exit(2);
}
