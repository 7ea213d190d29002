import {
  IP_READY_LABEL,
  PAUSED_ANNOTATION,
  type AssignmentState,
  type Condition,
  type IPAssignment,
  type ValidatedSpec,
} from "@ipac/api";
import type { AddressObservation, InstanceRef } from "@ipac/cloud";
import { selectorMatches } from "./selector.js";
import { changed, condition, iso } from "./conditions.js";
import { nodeStanding, type NodeStanding } from "./eligibility.js";
import { place, type PlacementCandidate } from "./placement.js";
import type { Action, DecideEvent, DecideInput, DecideOutput, NodeView, WriteFailure } from "./types.js";

/** After acting, look again soon: confirm the cloud state and finish what depended on it. */
const CONFIRM_AFTER_MS = 1_000;
const INVALID_SPEC_RECHECK_MS = 60_000;

/** What happens to one IP in this pass. */
interface IPPlan {
  ip: string;
  observation?: AddressObservation;
  /** Node currently holding the IP (per the cloud), if it is a node of this cluster. */
  holder?: NodeView;
  /** Instance currently holding the IP, node or not. */
  holderInstance?: InstanceRef;
  standing?: NodeStanding;
  verdict: "keep" | "release" | "place" | "blocked" | "conflict";
  state: AssignmentState;
  message?: string;
  /** Why the IP leaves its current holder (for lastMoveReason and events). */
  moveReason?: string;
}

/**
 * The reconcile decision for one allocation: observed state × desired state → actions, status, events and when
 * to look again. Pure: no I/O, no clock (input.now), deterministic for a given input (DESIGN §3).
 */
export function decide(input: DecideInput): DecideOutput {
  const { allocation, now } = input;
  const previous = allocation.previousStatus;
  const prevConditions = previous?.conditions;
  const events: DecideEvent[] = [];
  const cond = (type: string, status: Condition["status"], reason: string, message: string) =>
    condition(prevConditions, type, status, reason, message, allocation.generation, now);

  if (!input.spec.valid) {
    const message = input.spec.errors.join("; ");
    const invalid = cond("InvalidSpec", "True", "InvalidSpec", message);
    if (changed(prevConditions, invalid)) events.push({ type: "Warning", reason: "InvalidSpec", message });
    return {
      actions: [],
      dryRun: input.dryRun,
      events,
      status: {
        ...previous,
        observedGeneration: allocation.generation,
        conditions: [invalid, cond("Ready", "False", "InvalidSpec", `spec is invalid: ${message}`)],
      },
      requeueAfterMs: INVALID_SPEC_RECHECK_MS,
      nextCheckMs: INVALID_SPEC_RECHECK_MS,
      eligibleNodes: 0,
      released: true,
    };
  }
  const spec = input.spec.spec;
  if (previous?.observedGeneration !== allocation.generation) {
    for (const warning of input.spec.warnings)
      events.push({ type: "Warning", reason: "DeprecatedField", message: warning });
  }

  if (!input.observations.ok) {
    const { kind, message } = input.observations.error;
    const cloudError = cond("CloudError", "True", kind, message);
    if (changed(prevConditions, cloudError)) {
      events.push({ type: "Warning", reason: "CloudError", message: `reading addresses failed: ${message}` });
    }
    // Where the IPs are is unknown: never Ready, and Degraded says why.
    const reason = problemReasonOfKind(kind) ?? "CloudUnreadable";
    const unreadable = `the cloud cannot be read: ${message}`;
    const kept = (previous?.conditions ?? []).filter(
      (c) => !["CloudError", "InvalidSpec", "Ready", "Degraded"].includes(c.type),
    );
    return {
      actions: [],
      dryRun: input.dryRun,
      events,
      status: {
        ...previous,
        observedGeneration: allocation.generation,
        conditions: [
          cond("Ready", "False", reason, unreadable),
          cond("Degraded", "True", reason, unreadable),
          ...kept,
          cloudError,
        ],
      },
      requeueAfterMs: spec.reconcileIntervalSeconds * 1000,
      nextCheckMs: spec.reconcileIntervalSeconds * 1000,
      eligibleNodes: 0,
      released: false,
    };
  }
  return new Decision(input, spec, input.observations.addresses, events).run();
}

class Decision {
  private readonly nodesByName = new Map<string, NodeView>();
  private readonly nodesByInstance = new Map<string, NodeView>();
  private readonly podsByNode = new Map<string, number>();
  private readonly previousByIP: Map<string, IPAssignment>;
  private readonly standings = new Map<string, NodeStanding>();
  private readonly actions: Action[] = [];
  private requeueAt: number;

  constructor(
    private readonly input: DecideInput,
    private readonly spec: ValidatedSpec,
    private readonly observations: ReadonlyMap<string, AddressObservation>,
    private readonly events: DecideEvent[],
  ) {
    for (const node of input.nodes) {
      this.nodesByName.set(node.name, node);
      if (node.instance.ok) this.nodesByInstance.set(node.instance.instance.key, node);
    }
    for (const pod of input.pods) {
      if (pod.running && !pod.deleting && pod.node)
        this.podsByNode.set(pod.node, (this.podsByNode.get(pod.node) ?? 0) + 1);
    }
    this.previousByIP = new Map((input.allocation.previousStatus?.assignments ?? []).map((a) => [a.ip, a]));
    this.requeueAt = input.now + spec.reconcileIntervalSeconds * 1000;
  }

  run(): DecideOutput {
    const { allocation } = this.input;
    const plans = this.spec.reservedIPs.map((ip) => this.planIP(ip));
    const eligible = this.input.nodes.filter((n) => this.standing(n).kind === "eligible" && this.matchesSelector(n));

    if (allocation.deleting) return this.release(plans, eligible.length);
    if (allocation.paused) return this.finish(plans, new Map(), eligible.length, false);

    const targets = this.placeIPs(plans, eligible);
    const attachIndex = this.planCloudActions(plans, targets);
    this.planLabels(plans, attachIndex);
    this.planEvictions(plans, targets);
    return this.finish(plans, targets, eligible.length, false);
  }

  private standing(node: NodeView): NodeStanding {
    let standing = this.standings.get(node.name);
    if (!standing) {
      standing = nodeStanding(node, this.spec, this.input.now);
      this.standings.set(node.name, standing);
    }
    return standing;
  }

  private matchesSelector(node: NodeView): boolean {
    return selectorMatches(this.spec.nodeSelector, node.labels);
  }

  private planIP(ip: string): IPPlan {
    const owner = this.olderClaimant(ip);
    if (owner) {
      return { ip, verdict: "conflict", state: "Blocked", message: `IP is also listed by older allocation ${owner}` };
    }
    const observation = this.observations.get(ip);
    if (!observation?.reserved) {
      return {
        ip,
        verdict: "blocked",
        state: "Blocked",
        message: `no reserved ${this.spec.provider} address ${ip} found ${this.spec.region ? `in region ${this.spec.region}` : "in any region (spec.cloud.region is not set)"}`,
      };
    }
    const holderKey = observation.holder?.key;
    if (holderKey === undefined) return { ip, observation, verdict: "place", state: "Unattached" };
    const holder = this.nodesByInstance.get(holderKey);
    if (!holder) return this.planForeignHolder(ip, observation);
    const holderInstance = (holder.instance.ok && holder.instance.instance) as InstanceRef;
    const standing = this.standing(holder);
    const base = { ip, observation, holder, holderInstance, standing };
    switch (standing.kind) {
      case "eligible":
        return { ...base, verdict: "keep", state: "Attached" };
      case "failing":
        this.requeueAt = Math.min(this.requeueAt, standing.until);
        return {
          ...base,
          verdict: "keep",
          state: "Attached",
          message: `${standing.reason}; moving at ${iso(standing.until)} if it does not recover`,
        };
      case "leaving": {
        const pods = this.podsByNode.get(holder.name) ?? 0;
        if (pods > 0) {
          return {
            ...base,
            verdict: "keep",
            state: "Attached",
            message: `${standing.reason}; kept while ${pods} workload pod(s) run there`,
          };
        }
        const cooldownUntil = this.cooldownUntil(ip);
        if (cooldownUntil > this.input.now) {
          this.requeueAt = Math.min(this.requeueAt, cooldownUntil);
          return {
            ...base,
            verdict: "keep",
            state: "Attached",
            message: `${standing.reason}; move cool-off until ${iso(cooldownUntil)}`,
          };
        }
        return { ...base, verdict: "release", state: "Detaching", moveReason: standing.reason };
      }
      case "gone":
        return { ...base, verdict: "release", state: "Detaching", moveReason: standing.reason };
    }
  }

  /** The IP is held by an instance that is no node of this cluster: ours from a deleted node, or someone else's. */
  private planForeignHolder(ip: string, observation: AddressObservation): IPPlan {
    const holderRef = this.instanceRefOf(observation);
    const previous = this.previousByIP.get(ip);
    if (previous?.instance && previous.instance === observation.holder!.name && previous.node) {
      return {
        ip,
        observation,
        holderInstance: holderRef,
        verdict: "release",
        state: "Detaching",
        moveReason: `node ${previous.node} no longer exists`,
      };
    }
    if (this.spec.allowForeignTakeover) {
      return {
        ip,
        observation,
        holderInstance: holderRef,
        verdict: "release",
        state: "Detaching",
        moveReason: `taking over from instance ${observation.holder!.name} outside the cluster (allowForeignTakeover)`,
      };
    }
    return {
      ip,
      observation,
      verdict: "blocked",
      state: "Blocked",
      message: `held by instance ${observation.holder!.name}, which is not a node of this cluster; set allowForeignTakeover to take it`,
    };
  }

  /** The holder as the adapter observed it (project, resource group and all), so it can detach from it. */
  private instanceRefOf(observation: AddressObservation): InstanceRef {
    return { provider: this.spec.provider, ...observation.holder! };
  }

  private olderClaimant(ip: string): string | undefined {
    const { allocation } = this.input;
    const older = this.input.others
      .filter((o) => o.ips.includes(ip))
      .filter(
        (o) => o.createdAt < allocation.createdAt || (o.createdAt === allocation.createdAt && o.name < allocation.name),
      )
      .sort((a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : 1));
    return older[0]?.name;
  }

  private cooldownUntil(ip: string): number {
    const previous = this.previousByIP.get(ip);
    if (!previous?.lastMoveReason || !previous.since || this.spec.moveCooldownSeconds === 0) return 0;
    return Date.parse(previous.since) + this.spec.moveCooldownSeconds * 1000;
  }

  /** Nodes for IPs that need one: eligible, holding no IP (ours kept, another allocation's, any other static). */
  private placeIPs(plans: IPPlan[], eligible: NodeView[]): Map<string, NodeView> {
    const taken = new Set(plans.filter((p) => p.verdict === "keep" && p.holder).map((p) => p.holder!.name));
    const { occupiedByOthers, holdingOtherStaticIPs } = this.input;
    const candidates: PlacementCandidate[] = eligible
      .filter((n) => !taken.has(n.name) && !occupiedByOthers.has(n.name) && !holdingOtherStaticIPs.has(n.name))
      .filter((node) => !this.holdsOneOfOurIPs(node))
      .map((node) => ({ node, runningWorkloadPods: this.podsByNode.get(node.name) ?? 0 }));
    const ipsPerZone = new Map<string, number>();
    for (const plan of plans) {
      if (plan.verdict === "keep" && plan.holder) {
        const zone = plan.holder.zone ?? "";
        ipsPerZone.set(zone, (ipsPerZone.get(zone) ?? 0) + 1);
      }
    }
    const needing = plans.filter((p) => p.verdict === "place" || p.verdict === "release").map((p) => p.ip);
    return place(needing, candidates, ipsPerZone, (ip) => this.observations.get(ip)?.zone);
  }

  /** Why the nodes the selector picks cannot take an IP (a few of them), for an IP left without a node. */
  private whyNoEligibleNode(targets: ReadonlyMap<string, NodeView>): string {
    const targeted = new Set([...targets.values()].map((node) => node.name));
    const { occupiedByOthers, holdingOtherStaticIPs } = this.input;
    const reasons: { node: string; reason: string }[] = [];
    let candidates = 0;
    for (const node of this.input.nodes) {
      if (!this.matchesSelector(node)) continue;
      candidates++;
      if (targeted.has(node.name)) continue;
      const standing = this.standing(node);
      const other = occupiedByOthers.get(node.name);
      const reason =
        standing.kind !== "eligible"
          ? standing.reason
          : other
            ? `node ${node.name} holds ${other.ip} of ${other.allocation}`
            : holdingOtherStaticIPs.has(node.name)
              ? `node ${node.name} holds another static IP`
              : undefined;
      if (reason) reasons.push({ node: node.name, reason });
    }
    if (candidates === 0) return "no node matches the node selector";
    if (reasons.length === 0) return "every node the selector picks holds one of this allocation's IPs";
    // By node name, so the message does not depend on the order the nodes came in.
    reasons.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
    const shown = reasons
      .slice(0, 3)
      .map((r) => r.reason)
      .join("; ");
    return reasons.length > 3 ? `${shown}; and ${reasons.length - 3} more` : shown;
  }

  /** A node still holding one of our IPs (even one being released) is no target in this pass. */
  private holdsOneOfOurIPs(node: NodeView): boolean {
    if (!node.instance.ok) return true;
    const key = node.instance.instance.key;
    for (const observation of this.observations.values()) if (observation.holder?.key === key) return true;
    return false;
  }

  /** Detach/attach actions; returns, per target node, the index of the attach that gives it its IP. */
  private planCloudActions(plans: IPPlan[], targets: Map<string, NodeView>): Map<string, number> {
    const attachIndex = new Map<string, number>();
    for (const plan of plans) {
      const target = targets.get(plan.ip);
      if (plan.verdict === "release") {
        const from = plan.holder?.name;
        const reason = plan.moveReason ?? "released";
        if (target && this.input.supportsAtomicReassociate) {
          attachIndex.set(target.name, this.actions.length);
          this.actions.push({
            type: "attach",
            ip: plan.ip,
            instance: instanceOf(target),
            node: target.name,
            reason,
            reassociate: true,
            ...(from ? { from } : {}),
          });
          continue;
        }
        // Labels go first: the leaving node stops attracting pods before its IP goes.
        if (from && plan.holder?.labels[IP_READY_LABEL] === "true")
          this.actions.push({ type: "label", node: from, set: false, ip: plan.ip });
        const detachAt = this.actions.length;
        this.actions.push({
          type: "detach",
          ip: plan.ip,
          instance: plan.holderInstance!,
          ...(from ? { node: from } : {}),
          reason,
        });
        if (target) {
          attachIndex.set(target.name, this.actions.length);
          this.actions.push({
            type: "attach",
            ip: plan.ip,
            instance: instanceOf(target),
            node: target.name,
            reason,
            after: detachAt,
            ...(from ? { from } : {}),
          });
        }
      } else if (plan.verdict === "place" && target) {
        attachIndex.set(target.name, this.actions.length);
        this.actions.push({
          type: "attach",
          ip: plan.ip,
          instance: instanceOf(target),
          node: target.name,
          reason: "unattached IP",
        });
      }
    }
    return attachIndex;
  }

  /** ip.ready=true exactly on nodes holding our IPs (confirmed, or attached in this pass once it succeeds). */
  private planLabels(plans: IPPlan[], attachIndex: Map<string, number>): void {
    const labelled = new Set<string>();
    for (const plan of plans) {
      if (plan.verdict === "keep" && plan.holder) {
        labelled.add(plan.holder.name);
        // A leaving or failing node keeps its IP (and any label) but is not newly advertised.
        const advertise = plan.standing?.kind === "eligible" && plan.holder.labels[IP_READY_LABEL] !== "true";
        if (advertise) this.actions.push({ type: "label", node: plan.holder.name, set: true });
      }
    }
    for (const [node, index] of attachIndex) {
      labelled.add(node);
      const target = this.nodesByName.get(node)!;
      if (target.labels[IP_READY_LABEL] !== "true") this.actions.push({ type: "label", node, set: true, after: index });
    }
    const alreadyUnlabelled = new Set(this.actions.flatMap((a) => (a.type === "label" && !a.set ? [a.node] : [])));
    for (const node of this.input.nodes) {
      if (labelled.has(node.name) || alreadyUnlabelled.has(node.name) || node.labels[IP_READY_LABEL] !== "true")
        continue;
      if (this.input.occupiedByOthers.has(node.name)) continue;
      const ours = this.matchesSelector(node) || [...this.previousByIP.values()].some((a) => a.node === node.name);
      if (ours) this.actions.push({ type: "label", node: node.name, set: false });
    }
  }

  /** Evict running workload pods from nodes without an IP of ours (DESIGN §3.8), once somewhere has one. */
  private planEvictions(plans: IPPlan[], targets: Map<string, NodeView>): void {
    if (!this.spec.workload) return;
    const withIP = new Set<string>();
    for (const plan of plans) if (plan.verdict === "keep" && plan.holder) withIP.add(plan.holder.name);
    if (withIP.size === 0) return;
    for (const node of targets.values()) withIP.add(node.name);
    for (const pod of this.input.pods) {
      if (!pod.running || pod.deleting || !pod.node || withIP.has(pod.node)) continue;
      const node = this.nodesByName.get(pod.node);
      // Pods on failing nodes are the node-lifecycle controller's to evict; ours would only pile up.
      if (node && node.ready !== "True") continue;
      this.actions.push({ type: "evict", pod: pod.name, namespace: pod.namespace, node: pod.node });
    }
  }

  /** deletionPolicy Release: detach every IP held by a node of ours and remove labels; Retain: leave all. */
  private release(plans: IPPlan[], eligibleNodes: number): DecideOutput {
    if (this.spec.deletionPolicy === "Retain" || this.input.allocation.paused) {
      return this.finish(plans, new Map(), eligibleNodes, true);
    }
    let held = false;
    for (const plan of plans) {
      if (plan.verdict === "conflict" || plan.verdict === "blocked" || !plan.holderInstance) continue;
      held = true;
      if (plan.holder?.labels[IP_READY_LABEL] === "true")
        this.actions.push({ type: "label", node: plan.holder.name, set: false });
      this.actions.push({
        type: "detach",
        ip: plan.ip,
        instance: plan.holderInstance,
        ...(plan.holder ? { node: plan.holder.name } : {}),
        reason: "allocation deleted with deletionPolicy Release",
      });
    }
    return this.finish(plans, new Map(), eligibleNodes, !held);
  }

  private finish(
    plans: IPPlan[],
    targets: Map<string, NodeView>,
    eligibleNodes: number,
    released: boolean,
  ): DecideOutput {
    const { allocation, now, dryRun } = this.input;
    const prevConditions = allocation.previousStatus?.conditions;
    const unplaced = plans.filter((p) => (p.verdict === "place" || p.verdict === "release") && !targets.has(p.ip));
    // Only an IP left without a node needs the reasons: no work for converged allocations.
    const why = unplaced.length > 0 ? this.whyNoEligibleNode(targets) : "";
    const assignments = plans.map((plan) => this.assignment(plan, targets.get(plan.ip), why));
    const attached = assignments.filter((a) => a.state === "Attached").length;
    const reserved = plans.length;
    const conflicts = plans.filter((p) => p.verdict === "conflict");
    const blocked = plans.filter((p) => p.verdict === "blocked");
    const cond = (type: string, status: Condition["status"], reason: string, message: string) =>
      condition(prevConditions, type, status, reason, message, allocation.generation, now);

    const summary = `${attached} of ${reserved} IPs attached`;
    const acting = !allocation.paused && !allocation.deleting;
    const noNode =
      unplaced.length > 0 && acting
        ? `no eligible node for ${unplaced.map((p) => p.ip).join(", ")} (${eligibleNodes} eligible nodes): ${why}`
        : undefined;
    const problems = this.problems(plans, noNode);
    const failing = problems.some((p) => FAILURE_REASONS.has(p.reason));
    const ready = attached === reserved && !failing;
    const conditions = [
      cond(
        "Ready",
        ready ? "True" : "False",
        ready ? "AllAttached" : allocation.paused ? "Paused" : failing ? problems[0]!.reason : "NotAllAttached",
        problems.length ? `${summary}; ${problems[0]!.message}` : summary,
      ),
      cond(
        "Degraded",
        problems.length > 0 ? "True" : "False",
        problems[0]?.reason ?? "AsExpected",
        problems.map((p) => p.message).join("; ") || "all IPs attached or being attached",
      ),
      cond(
        "Conflict",
        conflicts.length > 0 ? "True" : "False",
        conflicts.length > 0 ? "IPClaimedByOlderAllocation" : "NoConflict",
        conflicts.map((p) => `${p.ip}: ${p.message}`).join("; ") || "no IP is listed by another allocation",
      ),
      this.pausedCondition(cond),
    ];
    for (const c of conditions) {
      if (!changed(prevConditions, c)) continue;
      if (c.type === "Conflict" && c.status === "True")
        this.events.push({ type: "Warning", reason: "Conflict", message: c.message });
      if (c.type === "Paused" && c.reason === "InvalidAnnotation")
        this.events.push({ type: "Warning", reason: "InvalidAnnotation", message: c.message });
    }
    // One Event for all the IPs left without a node, when that set changes (the per-object Event budget is small).
    const newlyUnplaced = unplaced.some(
      (p) => this.previousByIP.get(p.ip)?.state !== "Unattached" || p.verdict === "release",
    );
    if (noNode && newlyUnplaced) this.events.push({ type: "Warning", reason: "NoEligibleNode", message: noNode });
    for (const plan of blocked) {
      const before = this.previousByIP.get(plan.ip);
      if (before?.state === "Blocked" && before.message === plan.message) continue;
      const foreign = plan.observation?.holder !== undefined;
      this.events.push({
        type: "Warning",
        reason: foreign ? "IPInUseElsewhere" : "IPNotReserved",
        message: `${plan.ip}: ${plan.message}`,
      });
    }
    if (this.input.workloadMissing && !this.reportedBefore(this.workloadMissingText()))
      this.events.push({ type: "Warning", reason: "WorkloadNotFound", message: this.workloadMissingText() });
    const nextCheckMs = Math.max(0, this.requeueAt - now);
    if (this.actions.length > 0) this.requeueAt = Math.min(this.requeueAt, now + CONFIRM_AFTER_MS);
    return {
      actions: this.actions,
      dryRun,
      events: this.events,
      status: {
        observedGeneration: allocation.generation,
        conditions,
        reservedCount: reserved,
        attachedCount: attached,
        unattachedCount: reserved - attached,
        assignments,
      },
      requeueAfterMs: Math.max(0, this.requeueAt - now),
      nextCheckMs,
      eligibleNodes,
      released,
    };
  }

  /** Everything not as it should be, most urgent first: the first one's reason is Degraded's reason. */
  private problems(plans: IPPlan[], noNode: string | undefined): Problem[] {
    const problems: Problem[] = [];
    const failures = [...(this.input.writeFailures?.values() ?? [])];
    failures.sort((a, b) => failureRank(a) - failureRank(b));
    for (const failure of failures)
      problems.push({
        reason: failureReason(failure),
        message: `${failure.text}; next try at ${iso(failure.retryAt)}`,
      });
    for (const node of this.input.nodes) {
      if (node.instanceMissing && this.matchesSelector(node))
        problems.push({
          reason: "InstanceNotFound",
          message: `node ${node.name}: its instance is not found in the cloud (deleted or terminated), so the node is treated as gone`,
        });
    }
    if (noNode) problems.push({ reason: "NoEligibleNode", message: noNode });
    for (const plan of plans) {
      if (plan.verdict === "blocked")
        problems.push({
          reason: plan.observation?.holder ? "IPInUseElsewhere" : "IPNotReserved",
          message: `${plan.ip}: ${plan.message}`,
        });
      if (plan.verdict === "conflict")
        problems.push({ reason: "IPClaimedByOlderAllocation", message: `${plan.ip}: ${plan.message}` });
    }
    if (this.input.workloadMissing) problems.push({ reason: "WorkloadNotFound", message: this.workloadMissingText() });
    if (this.input.allocation.invalidPauseValue !== undefined)
      problems.push({ reason: "InvalidAnnotation", message: this.invalidPauseText() });
    return problems;
  }

  /** The previous status's Degraded condition already said this: its Event was recorded then. */
  private reportedBefore(text: string): boolean {
    const degraded = this.input.allocation.previousStatus?.conditions?.find((c) => c.type === "Degraded");
    return degraded?.status === "True" && degraded.message.includes(text);
  }

  private workloadMissingText(): string {
    const w = this.spec.workload!;
    return `workload ${w.kind} ${w.namespace}/${w.name} not found: IPs are placed, but no pod keeps a leaving node's IP and none is evicted`;
  }

  private invalidPauseText(): string {
    return `annotation ${PAUSED_ANNOTATION}="${this.input.allocation.invalidPauseValue}" is neither "true" nor "false": treated as paused (nothing is written) until it is one of them`;
  }

  private pausedCondition(
    cond: (type: string, status: Condition["status"], reason: string, message: string) => Condition,
  ) {
    const { paused, invalidPauseValue } = this.input.allocation;
    if (invalidPauseValue !== undefined) return cond("Paused", "True", "InvalidAnnotation", this.invalidPauseText());
    return paused
      ? cond("Paused", "True", "PausedByAnnotation", `writes are paused by the ${PAUSED_ANNOTATION} annotation`)
      : cond("Paused", "False", "Active", "controller acts on this allocation");
  }

  private assignment(plan: IPPlan, target: NodeView | undefined, why: string): IPAssignment {
    const previous = this.previousByIP.get(plan.ip);
    const acting = !this.input.allocation.paused && !this.input.allocation.deleting;
    let node = plan.holder?.name;
    let instance = plan.holderInstance?.name;
    let zone = plan.holder?.zone;
    let state = plan.state;
    let message = plan.message;
    let lastMoveReason = previous?.lastMoveReason;
    let moves = previous?.moves ?? 0;
    // A move under way (recorded by an earlier pass) stays pending until the IP is attached somewhere else.
    const pending = previous?.from !== undefined ? { from: previous.from, reason: previous.moveReason } : undefined;
    let move: { from?: string; reason?: string } | undefined;
    if (target && acting) {
      node = target.name;
      instance = instanceOf(target).name;
      zone = target.zone;
      state = "Attaching";
      if (plan.verdict === "release")
        move = { ...(plan.holder ? { from: plan.holder.name } : {}), reason: plan.moveReason };
      else if (pending && pending.from !== target.name) move = pending;
    } else if (plan.verdict === "release" && acting) {
      message = `${plan.moveReason}; no eligible node to move it to: ${why}`;
      move = {
        ...(plan.holder ? { from: plan.holder.name } : pending ? { from: pending.from } : {}),
        reason: plan.moveReason,
      };
    } else if (plan.verdict === "place" && acting) {
      message = `no eligible node: ${why}`;
      move = pending;
    } else if (plan.verdict === "keep" && pending && previous?.node === node && node !== pending.from) {
      // The move landed: count it once, now.
      moves += 1;
      lastMoveReason = pending.reason ?? lastMoveReason;
    }
    const failure = this.input.writeFailures?.get(plan.ip);
    if (failure && state !== "Attached") message = `${failure.text}; next try at ${iso(failure.retryAt)}`;
    if (this.input.allocation.paused && plan.verdict !== "keep") message = message ?? "paused";
    const same = previous && previous.state === state && previous.node === node;
    return {
      ip: plan.ip,
      ...(node ? { node } : {}),
      ...(instance ? { instance } : {}),
      ...(zone ? { zone } : {}),
      state,
      since: same && previous.since ? previous.since : iso(this.input.now),
      ...(move?.from ? { from: move.from } : {}),
      ...(move?.from && move.reason ? { moveReason: move.reason } : {}),
      ...(lastMoveReason ? { lastMoveReason } : {}),
      ...(moves > 0 ? { moves } : {}),
      ...(message ? { message } : {}),
    };
  }
}

interface Problem {
  reason: string;
  message: string;
}

/** Reasons that mean an IP is stuck on a failing write: Ready is False while one holds. */
const FAILURE_REASONS = new Set([
  "PermissionDenied",
  "ConfigurationError",
  "Throttled",
  "AttachFailed",
  "DetachFailed",
]);

/** The Degraded reason of a cloud error kind that is about the controller's access or setup, not one IP. */
function problemReasonOfKind(kind: string): string | undefined {
  if (kind === "Permission") return "PermissionDenied";
  if (kind === "Configuration") return "ConfigurationError";
  if (kind === "RateLimited") return "Throttled";
  return undefined;
}

function failureReason(failure: WriteFailure): string {
  return problemReasonOfKind(failure.kind) ?? (failure.action === "attach" ? "AttachFailed" : "DetachFailed");
}

/** Permission and configuration first: they need a human; then throttling; then the rest. */
const FAILURE_ORDER = ["Permission", "Configuration", "RateLimited"];
function failureRank(failure: WriteFailure): number {
  const rank = FAILURE_ORDER.indexOf(failure.kind);
  return rank < 0 ? FAILURE_ORDER.length : rank;
}

function instanceOf(node: NodeView): InstanceRef {
  if (!node.instance.ok) throw new Error(`node ${node.name} has no usable instance`);
  return node.instance.instance;
}
