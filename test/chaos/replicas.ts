import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ExitRecord } from "./invariants.js";

/** How long the harness waits before restarting an exited replica (kubelet's first back-off step). */
const RESTART_DELAY_MS = 1_000;

/**
 * One controller replica as Kubernetes runs it: the production entry point with its environment; when the process
 * exits, the exit is recorded and the process restarted (same identity, as a container restart keeps POD_NAME).
 */
export class Replica {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private signalledByHarness = false;
  private stopping = false;
  private starts = 0;
  /** Overlapping pauses: the process continues when the last one ends. */
  private pauses = 0;

  constructor(
    readonly name: string,
    private readonly main: string,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
    private readonly exits: ExitRecord[],
  ) {}

  get logFile(): string {
    return join(this.logDir, `${this.name}.log`);
  }

  start(): void {
    this.starts++;
    const logStart = this.logLength();
    const log = openSync(this.logFile, "a");
    const child = spawn("node", [this.main], { env: { ...process.env, ...this.env }, stdio: ["ignore", log, log] });
    closeSync(log);
    this.child = child;
    this.signalledByHarness = false;
    this.pauses = 0;
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        this.exits.push({
          at: Date.now(),
          replica: this.name,
          code,
          signal,
          byHarness: this.signalledByHarness,
          loggedLostLeadership: this.logSince(logStart).includes("lost leadership"),
        });
        resolve();
        if (!this.stopping) setTimeout(() => this.stopping || this.start(), RESTART_DELAY_MS).unref();
      }),
    );
  }

  /** How many times the process was started (restarts = starts - 1). */
  get startCount(): number {
    return this.starts;
  }

  kill(): void {
    this.signal("SIGKILL");
  }

  pause(): void {
    if (this.pauses++ === 0) this.child?.kill("SIGSTOP");
  }

  resume(): void {
    if (this.pauses === 0 || --this.pauses > 0) return;
    this.child?.kill("SIGCONT");
  }

  /** Stops for good (SIGTERM, after SIGCONT in case it is paused) and waits for the exit. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.pauses > 0) {
      this.pauses = 1;
      this.resume();
    }
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.child?.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  private signal(signal: NodeJS.Signals): void {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.signalledByHarness = true;
    this.child.kill(signal);
  }

  private logLength(): number {
    try {
      return readFileSync(this.logFile).length;
    } catch {
      return 0;
    }
  }

  private logSince(offset: number): string {
    return readFileSync(this.logFile).subarray(offset).toString();
  }
}
