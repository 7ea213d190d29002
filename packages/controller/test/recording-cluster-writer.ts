import type { NetIPAllocationStatus } from "@ipac/api";
import type { ClusterWriter } from "../src/apply/cluster-writer.js";

/**
 * A ClusterWriter that records each write as one line ("label n1 ip.ready=true", "evict default/web-0",
 * "status alloc", "finalizers alloc a,b") for tests to compare with the writes they expect, and fails the
 * writes it was told to fail.
 */
export class RecordingClusterWriter implements ClusterWriter {
  readonly actions: string[] = [];
  readonly statuses: NetIPAllocationStatus[] = [];
  private readonly failures = new Map<string, unknown>();

  /** The write recorded as `action` throws `error` (it is still recorded: it was sent). */
  fail(action: string, error: unknown): void {
    this.failures.set(action, error);
  }

  async labelNode(node: string, labels: Record<string, string | null>): Promise<void> {
    const pairs = Object.entries(labels).map(([key, value]) => (value === null ? `${key}-` : `${key}=${value}`));
    await this.write(`label ${node} ${pairs.join(",")}`);
  }

  async evictPod(namespace: string, pod: string): Promise<void> {
    await this.write(`evict ${namespace}/${pod}`);
  }

  async patchStatus(allocation: string, status: NetIPAllocationStatus): Promise<void> {
    this.statuses.push(status);
    await this.write(`status ${allocation}`);
  }

  async patchFinalizers(allocation: { name: string }, next: readonly string[]): Promise<void> {
    await this.write(`finalizers ${allocation.name} ${next.join(",")}`);
  }

  private async write(action: string): Promise<void> {
    this.actions.push(action);
    if (this.failures.has(action)) throw this.failures.get(action);
  }
}
