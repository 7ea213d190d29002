import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import { controlPlaneBinaries, sharedControlPlane, type SharedControlPlane } from "@ipac/testenv";
import { installCRD } from "./install-crd.js";
import { GROUP, PLURAL, VERSION } from "./types.js";

describe("NetIPAllocation CRD on a real apiserver", () => {
  let cp: SharedControlPlane;
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  const prefix = `crd-${Date.now().toString(36)}`;
  const create = (name: string, spec: unknown) =>
    custom.createClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: "NetIPAllocation",
        metadata: { name: `${prefix}-${name}` },
        spec,
      },
    });

  beforeAll(async () => {
    cp = await sharedControlPlane();
    kc = cp.kubeConfig;
    await installCRD(kc);
    custom = kc.makeApiClient(CustomObjectsApi);
  });

  // Controllers of later files on this worker's control plane see every allocation: leave none behind.
  afterAll(async () => {
    const { items } = (await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as {
      items: { metadata: { name: string } }[];
    };
    const ours = items.map((item) => item.metadata.name).filter((name) => name.startsWith(`${prefix}-`));
    await Promise.all(
      ours.map((name) => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name })),
    );
  });

  it("accepts a valid object and applies the schema's defaults", async () => {
    const nodeSelector = { "topology.kubernetes.io/zone": "us-west1-a", role: "public-node", "x.io/empty": "" };
    const created = (await create("ok", {
      reservedIPs: ["34.1.1.1", "2001:db8::1"],
      cloud: { provider: "gcp" },
      nodeSelector,
    })) as {
      spec: Record<string, unknown>;
    };
    expect(created.spec).toMatchObject({
      nodeSelector,
      reconcileInterval: 30,
      deletionPolicy: "Retain",
      allowForeignTakeover: false,
      notReadyGracePeriodSeconds: 30,
      moveCooldownSeconds: 0,
    });
  });

  it("accepts the v1.0 form (deploymentRef, strategy)", async () => {
    await expect(
      create("v1", {
        reservedIPs: ["34.1.1.2"],
        deploymentRef: { name: "web", namespace: "default" },
        cloud: { provider: "gcp", region: "us-west1", zones: ["us-west1-a"] },
        strategy: { maxSurge: 1, maxUnavailable: 1 },
        reconcileInterval: 60,
      }),
    ).resolves.toBeDefined();
  });

  it.each([
    ["bad IP", { reservedIPs: ["34.1.1.300"], cloud: { provider: "gcp" } }, /must be a valid IP address/],
    ["duplicate IP", { reservedIPs: ["34.1.1.1", "34.1.1.1"], cloud: { provider: "gcp" } }, /Duplicate value/],
    [
      "interval < 5",
      { reservedIPs: ["34.1.1.1"], cloud: { provider: "gcp" }, reconcileInterval: 1 },
      /reconcileInterval/,
    ],
    ["unknown provider", { reservedIPs: ["34.1.1.1"], cloud: { provider: "ibm" } }, /spec.cloud.provider/],
    [
      "both refs",
      {
        reservedIPs: ["34.1.1.1"],
        cloud: { provider: "gcp" },
        workloadRef: { kind: "Deployment", name: "a" },
        deploymentRef: { name: "b" },
      },
      /not both/,
    ],
    ["no IPs", { reservedIPs: [], cloud: { provider: "gcp" } }, /spec.reservedIPs/],
    [
      "selector value with a space",
      { reservedIPs: ["34.1.1.1"], cloud: { provider: "gcp" }, nodeSelector: { role: "public node" } },
      /spec.nodeSelector: Invalid value.*valid label value/,
    ],
    [
      "selector key with a space",
      { reservedIPs: ["34.1.1.1"], cloud: { provider: "gcp" }, nodeSelector: { "bad key": "a" } },
      /spec.nodeSelector: Invalid value.*valid label key/,
    ],
  ])("rejects %s with 422 naming the field", async (name, spec, message) => {
    const error = await create(name.toLowerCase().replace(/\W+/g, "-"), spec).catch(
      (e: { code?: number; body?: string }) => e,
    );
    expect(error).toMatchObject({ code: 422 });
    expect(String((error as { body?: string }).body)).toMatch(message);
  });

  it("keeps spec and status apart (status subresource)", async () => {
    const name = `${prefix}-status`;
    await create("status", { reservedIPs: ["34.1.1.3"], cloud: { provider: "aws" } });
    const status = { reservedCount: 1, attachedCount: 1, unattachedCount: 0 };
    await custom.patchClusterCustomObjectStatus(
      { group: GROUP, version: VERSION, plural: PLURAL, name, body: { status, spec: { reservedIPs: ["9.9.9.9"] } } },
      // a merge patch through the status subresource ignores spec
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const read = (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name })) as {
      spec: { reservedIPs: string[] };
      status: unknown;
    };
    expect(read.spec.reservedIPs).toEqual(["34.1.1.3"]);
    expect(read.status).toEqual(status);
  });

  it("prints the Provider/Reserved/Attached/Ready/Age columns, and Unattached/Message with -o wide", async () => {
    const name = `${prefix}-columns`;
    await create("columns", { reservedIPs: ["34.1.1.4", "34.1.1.5"], cloud: { provider: "azure" } });
    const ready = { type: "Ready", status: "False", reason: "NoEligibleNode", message: "1 of 2 IPs unattached" };
    await custom.patchClusterCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        name,
        body: {
          status: {
            reservedCount: 2,
            attachedCount: 1,
            unattachedCount: 1,
            conditions: [{ ...ready, lastTransitionTime: new Date().toISOString() }],
          },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const { kubectl } = await controlPlaneBinaries();
    const get = async (...args: string[]) =>
      (
        await promisify(execFile)(kubectl!, ["get", "nia", name, ...args], {
          env: { ...process.env, KUBECONFIG: cp.kubeconfigPath },
        })
      ).stdout;
    const [header, row] = (await get())
      .trim()
      .split("\n")
      .map((line) => line.split(/\s{2,}/));
    expect(header).toEqual(["NAME", "PROVIDER", "RESERVED", "ATTACHED", "READY", "AGE"]);
    expect(row?.slice(0, 5)).toEqual([name, "azure", "2", "1", "False"]);
    const [wideHeader, wideRow] = (await get("-o", "wide"))
      .trim()
      .split("\n")
      .map((line) => line.split(/\s{2,}/));
    expect(wideHeader).toEqual(["NAME", "PROVIDER", "RESERVED", "ATTACHED", "READY", "AGE", "UNATTACHED", "MESSAGE"]);
    expect(wideRow?.slice(6)).toEqual(["1", "1 of 2 IPs unattached"]);
  });
});
