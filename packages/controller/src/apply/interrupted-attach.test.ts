import type { IPAssignment } from "@ipac/api";
import { gceInstanceKey, type AddressObservation } from "@ipac/cloud";
import type { NodeView } from "../decide/index.js";
import { interruptedAttaches } from "./interrupted-attach.js";

const node = (name: string): NodeView => ({
  name,
  labels: {},
  createdAt: 0,
  ready: "True",
  readySince: 0,
  unschedulable: false,
  taints: [],
  deleting: false,
  zone: "us-west1-a",
  instance: {
    ok: true,
    instance: { provider: "gcp", key: gceInstanceKey("p", "us-west1-a", name), name, zone: "us-west1-a", account: "p" },
  },
});
const nodes = [node("n1"), node("n2"), node("n3")];
const attaching = (ip: string, on: string): IPAssignment => ({ ip, node: on, state: "Attaching" });
const observed = (ip: string, holder?: string): [string, AddressObservation] => [
  ip,
  {
    ip,
    reserved: true,
    ...(holder ? { holder: { key: gceInstanceKey("p", "us-west1-a", holder), name: holder } } : {}),
  },
];

const SPEC = new Set(["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5"]);

describe("interruptedAttaches", () => {
  it("finds the node of an interrupted attach whose IP was removed from the spec since (held by nobody now)", () => {
    const found = interruptedAttaches([attaching("9.9.9.9", "n2")], new Map(), nodes, SPEC);
    expect(found.map((r) => r.node)).toEqual(["n2"]);
    const held = new Map([observed("9.9.9.9", "n2")]);
    expect(interruptedAttaches([attaching("9.9.9.9", "n2")], held, nodes, SPEC)).toEqual([]);
  });

  it("finds a recorded attach whose IP did not arrive", () => {
    const found = interruptedAttaches([attaching("1.1.1.1", "n1")], new Map([observed("1.1.1.1")]), nodes, SPEC);
    expect(found).toEqual([
      { ip: "1.1.1.1", node: "n1", instance: nodes[0]!.instance.ok && nodes[0]!.instance.instance },
    ]);
  });

  it("also checks the node a move was leaving, once the IP is no longer there", () => {
    const moving: IPAssignment = { ip: "1.1.1.1", node: "n2", from: "n1", state: "Attaching" };
    expect(interruptedAttaches([moving], new Map([observed("1.1.1.1", "n1")]), nodes, SPEC).map((r) => r.node)).toEqual(
      ["n2"],
    );
    expect(interruptedAttaches([moving], new Map([observed("1.1.1.1")]), nodes, SPEC).map((r) => r.node)).toEqual([
      "n2",
      "n1",
    ]);
  });

  it("leaves alone: an attach that completed, other states, unknown nodes, IPs the read did not answer for", () => {
    const none = interruptedAttaches(
      [
        attaching("1.1.1.1", "n1"), // arrived
        { ip: "3.3.3.3", node: "n3", state: "Attached" },
        attaching("4.4.4.4", "gone"),
        attaching("5.5.5.5", "n3"), // not observed (cloud read without it)
      ],
      new Map([observed("1.1.1.1", "n1"), observed("3.3.3.3"), observed("4.4.4.4")]),
      nodes,
      SPEC,
    );
    expect(none).toEqual([]);
  });
});
