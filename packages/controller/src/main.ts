#!/usr/bin/env node
import { loadKubeConfig } from "@ipac/runtime";
import { cloudProviderFactory } from "./cloud-providers.js";
import { loadConfig } from "./config.js";
import { startController } from "./controller.js";
import { createLogger } from "./logger.js";

// The controller's entry point: configuration from the environment and flags, informers, leader election.
// SIGTERM stops cleanly and changes nothing (DESIGN §3.12); a lost lease stops all writes and exits 1.
let logger = createLogger({ level: "info", format: "json" });
try {
  const config = loadConfig();
  logger = createLogger({ level: config.logLevel, format: config.logFormat });
  const kubeConfig = loadKubeConfig();
  const controller = await startController({ kubeConfig, config, cloudFor: cloudProviderFactory(logger), logger });
  logger.info({ port: controller.port, dryRun: config.dryRun, lease: config.leaseName }, "controller started");
  let stopping = false;
  const stop = async (code: number, reason: string) => {
    if (stopping) return;
    stopping = true;
    logger[code === 0 ? "info" : "error"]({ leader: controller.isLeader() }, `stopping: ${reason}`);
    await controller.stop();
    process.exit(code);
  };
  process.on("SIGTERM", () => void stop(0, "SIGTERM"));
  process.on("SIGINT", () => void stop(0, "SIGINT"));
  void controller.lostLeadership.then(() => stop(1, "lost the leader lease"));
} catch (error) {
  logger.fatal({ err: error instanceof Error ? error.message : String(error) }, "cannot start");
  process.exit(2);
}
