import type { AddressScope, CloudErrorKind, CloudProvider, InstanceRef } from "@ipac/cloud";
import type { World } from "@ipac/cloud-sim";
import type { Faults } from "@ipac/cloud-sim";

/** An adapter on its official SDK, pointed at one backend, and what it needs to be released. */
export interface Adapter {
  provider: CloudProvider;
  close(): Promise<void>;
  /** Resolves once writes the adapter started in the background (GCP's ephemeral IP given back) are done. */
  settled?(): Promise<void>;
}

/** The error classes a backend can be told to answer with (NotFound and Conflict come from real situations). */
export type InjectedKind = Extract<CloudErrorKind, "RateLimited" | "Transient" | "Permission" | "InvalidInput">;

/** A backend of ours (a cloud-sim front): it can inject faults and shows its world. */
export interface SimulatedBackend {
  world: World;
  faults: Faults;
  /** The wire operation an observation makes, and the first one an attach writes with. */
  observeOperation: string;
  writeOperation: string;
  /** Each injected error class as this cloud sends it on the wire. */
  errors: Record<InjectedKind, { code: string; status: number }>;
  /** The same adapter with these deadlines and no SDK retries. */
  withDeadlines(deadlines: { callMs: number; operationMs: number }): Adapter;
  /** Clouds whose writes are asynchronous (GCP Operations, Azure long-running operations) complete after this. */
  setOperationDelay?(ms: number): void;
}

/** What the conformance suite needs from a backend: two nodes in one zone, two free reserved IPs. */
export interface ConformanceTarget extends Adapter {
  scope: AddressScope;
  nodes: readonly [InstanceRef, InstanceRef];
  /** An instance the cloud does not know. */
  ghost: InstanceRef;
  ips: readonly [string, string];
  /** An IP that is not reserved. */
  unknownIP: string;
  /** Absent for independent implementations (moto), which cannot inject faults. */
  sim?: SimulatedBackend;
}
