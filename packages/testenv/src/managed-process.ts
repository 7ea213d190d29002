import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";

/** A child process whose output goes to `<logDir>/<name>.log`; `stop()` terminates it and waits. */
export class ManagedProcess {
  readonly logFile: string;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private exitCode: number | null | undefined;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    logDir: string,
  ) {
    this.logFile = join(logDir, `${name}.log`);
    // The child writes to the log file itself, so no pipe ties it to this process's event loop.
    const log = openSync(this.logFile, "a");
    this.child = spawn(command, args, { stdio: ["ignore", log, log] });
    closeSync(log);
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code) => {
        this.exitCode = code;
        resolve();
      });
      this.child.once("error", () => resolve());
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Lets this process exit while the child keeps running (a control plane shared across test files). */
  detach(): void {
    this.child.unref();
  }

  /** Throws when the process already exited: used while waiting for readiness, to fail fast with the log path. */
  assertRunning(): void {
    if (this.exitCode !== undefined) {
      throw new Error(`${this.name} exited with code ${this.exitCode}; see ${this.logFile}`);
    }
  }

  async stop(graceMs = 5_000): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
