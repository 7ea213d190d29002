// Builders and a tiny world simulation for decide's tests (table tests and properties).
import {
  IP_READY_LABEL,
  ZONE_LABEL,
  validateSpec,
  type NetIPAllocationSpec,
  type NetIPAllocationStatus,
} from "@ipac/api";
import { gceInstanceKey, type AddressObservation } from "@ipac/cloud";
import type { Action, DecideInput, DecideOutput, NodeView, PodView } from "../src/decide/types.js";

export const NOW = Date.parse("2026-01-01T00:00:00Z");

export function node(name: string, overrides: Partial<NodeView> & { zone?: string } = {}): NodeView {
  const zone = overrides.zone ?? "z1";
  return {
    name,
    labels: { role: "public", [ZONE_LABEL]: zone },
    createdAt: NOW - 86_400_000,
    ready: "True",
    readySince: NOW - 3_600_000,
    unschedulable: false,
    taints: [],
    deleting: false,
    zone,
    instance: { ok: true, instance: { provider: "gcp", key: gceInstanceKey("p", zone, name), name, zone } },
    ...overrides,
  };
}

export function pod(name: string, nodeName: string, overrides: Partial<PodView> = {}): PodView {
  return { name, namespace: "default", node: nodeName, running: true, deleting: false, ...overrides };
}

/** Who holds which IP: ip → node name (a node of the test) or `foreign:<name>`. */
export type Holdings = Record<string, string | undefined>;

export function observations(ips: string[], holdings: Holdings, nodes: NodeView[]): Map<string, AddressObservation> {
  return new Map(
    ips.map((ip) => {
      const holder = holdings[ip];
      if (holder === undefined) return [ip, { ip, reserved: true }];
      if (holder.startsWith("foreign:")) {
        const name = holder.slice("foreign:".length);
        return [ip, { ip, reserved: true, holder: { key: `gce://p/z1/${name}`, name, zone: "z1" } }];
      }
      const n = nodes.find((x) => x.name === holder)!;
      const instance = n.instance.ok ? n.instance.instance : undefined;
      return [ip, { ip, reserved: true, holder: { key: instance!.key, name: instance!.name, zone: n.zone } }];
    }),
  );
}

export interface Scenario {
  spec?: Partial<NetIPAllocationSpec>;
  nodes: NodeView[];
  holdings?: Holdings;
  pods?: PodView[];
  previousStatus?: NetIPAllocationStatus;
  others?: DecideInput["others"];
  occupiedByOthers?: DecideInput["occupiedByOthers"];
  holdingOtherStaticIPs?: DecideInput["holdingOtherStaticIPs"];
  allocation?: Partial<DecideInput["allocation"]>;
  dryRun?: boolean;
  supportsAtomicReassociate?: boolean;
  writeFailures?: DecideInput["writeFailures"];
  workloadMissing?: boolean;
  now?: number;
}

export function input(s: Scenario): DecideInput {
  const spec = {
    reservedIPs: ["10.0.0.1"],
    cloud: { provider: "gcp" },
    nodeSelector: { role: "public" },
    workloadRef: { kind: "Deployment", name: "web" },
    ...s.spec,
  };
  const validation = validateSpec(spec);
  const ips = validation.valid ? validation.spec.reservedIPs : [];
  return {
    now: s.now ?? NOW,
    allocation: {
      name: "alloc",
      generation: 1,
      createdAt: NOW - 1_000_000,
      deleting: false,
      paused: false,
      ...(s.previousStatus ? { previousStatus: s.previousStatus } : {}),
      ...s.allocation,
    },
    spec: validation,
    dryRun: s.dryRun ?? false,
    supportsAtomicReassociate: s.supportsAtomicReassociate ?? false,
    nodes: s.nodes,
    pods: s.pods ?? [],
    others: s.others ?? [],
    occupiedByOthers: s.occupiedByOthers ?? new Map(),
    holdingOtherStaticIPs: s.holdingOtherStaticIPs ?? new Set(),
    ...(s.writeFailures ? { writeFailures: s.writeFailures } : {}),
    ...(s.workloadMissing ? { workloadMissing: true } : {}),
    observations: { ok: true, addresses: observations(ips, s.holdings ?? {}, s.nodes) },
  };
}

/** Cloud writes of an output, in a compact comparable form. */
export function cloudWrites(output: DecideOutput): string[] {
  return output.actions.flatMap((a) =>
    a.type === "attach"
      ? [`attach ${a.ip} ${a.node}${a.reassociate ? " (reassociate)" : ""}`]
      : a.type === "detach"
        ? [`detach ${a.ip} ${a.node ?? a.instance.name}`]
        : [],
  );
}

export function labelWrites(output: DecideOutput): string[] {
  return output.actions.flatMap((a) => (a.type === "label" ? [`${a.set ? "+" : "-"}${a.node}`] : []));
}

/**
 * Applies actions to a scenario the way a strict cloud would: an attach of an IP held elsewhere (without an
 * atomic reassociation) or onto an instance that already holds an IP throws, as does a label before its attach.
 */
export function applyActions(s: Scenario, actions: Action[]): Scenario {
  const holdings: Holdings = { ...s.holdings };
  const nodes = s.nodes.map((n) => ({ ...n, labels: { ...n.labels } }));
  const done = new Set<number>();
  actions.forEach((action, index) => {
    if ("after" in action && action.after !== undefined && !done.has(action.after)) {
      throw new Error(`action ${index} runs before action ${action.after}`);
    }
    if (action.type === "detach") {
      if (holdings[action.ip] === (action.node ?? `foreign:${action.instance.name}`)) delete holdings[action.ip];
    } else if (action.type === "attach") {
      const holder = holdings[action.ip];
      if (holder !== undefined && holder !== action.node && !action.reassociate) {
        throw new Error(`attach of ${action.ip} to ${action.node} while ${holder} holds it`);
      }
      const other = Object.entries(holdings).find(([ip, h]) => h === action.node && ip !== action.ip);
      if (other) throw new Error(`attach of ${action.ip} onto ${action.node}, which holds ${other[0]}`);
      if (s.occupiedByOthers?.has(action.node))
        throw new Error(`attach onto ${action.node}, occupied by another allocation`);
      holdings[action.ip] = action.node;
    } else if (action.type === "label") {
      const n = nodes.find((x) => x.name === action.node)!;
      if (action.set) n.labels[IP_READY_LABEL] = "true";
      else delete n.labels[IP_READY_LABEL];
    }
    done.add(index);
  });
  return { ...s, nodes, holdings };
}
