import { leaseAction, nextRecord, sameRecord } from "./lease-decision.js";

describe("lease decision", () => {
  it("renews its own lease, takes a free one, waits for a live foreign one", () => {
    expect(leaseAction({ holderIdentity: "me" }, 0, 100_000, "me", 15)).toBe("renew");
    expect(leaseAction({ holderIdentity: "" }, 0, 0, "me", 15)).toBe("acquire");
    expect(leaseAction({}, 0, 0, "me", 15)).toBe("acquire");
    expect(leaseAction({ holderIdentity: "other", leaseDurationSeconds: 15 }, 1_000, 15_999, "me", 60)).toBe("wait");
    expect(leaseAction({ holderIdentity: "other", leaseDurationSeconds: 15 }, 1_000, 16_001, "me", 60)).toBe("acquire");
  });

  it("judges expiry on local observed time, not the record's renewTime (clock skew)", () => {
    // The remote clock says the lease was renewed an hour ago, but we only just saw it change: not expired.
    const record = { holderIdentity: "other", leaseDurationSeconds: 15, renewTimeMs: 0 };
    expect(leaseAction(record, 3_600_000, 3_600_001, "me", 15)).toBe("wait");
  });

  it("keeps acquireTime on renew and counts transitions on takeover", () => {
    const held = {
      holderIdentity: "other",
      acquireTimeMs: 5,
      renewTimeMs: 9,
      leaseTransitions: 2,
      leaseDurationSeconds: 15,
    };
    expect(nextRecord(held, "acquire", "me", 15, 100)).toEqual({
      holderIdentity: "me",
      leaseDurationSeconds: 15,
      acquireTimeMs: 100,
      renewTimeMs: 100,
      leaseTransitions: 3,
    });
    const mine = nextRecord(held, "acquire", "me", 15, 100);
    expect(nextRecord(mine, "renew", "me", 15, 200)).toMatchObject({
      acquireTimeMs: 100,
      renewTimeMs: 200,
      leaseTransitions: 3,
    });
    expect(nextRecord({}, "acquire", "me", 15, 1)).toMatchObject({ leaseTransitions: 0 });
    expect(sameRecord(mine, { ...mine })).toBe(true);
    expect(sameRecord(mine, { ...mine, renewTimeMs: 1 })).toBe(false);
  });
});
