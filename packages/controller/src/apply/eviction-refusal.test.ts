import { evictionRefusal } from "./eviction-refusal.js";

describe("evictionRefusal", () => {
  // The metav1.Status the Eviction API answers when a PodDisruptionBudget refuses (pod/storage/eviction.go).
  const status = {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    message: "Cannot evict pod as it would violate the pod's disruption budget.",
    reason: "TooManyRequests",
    details: {
      causes: [
        {
          reason: "DisruptionBudget",
          message: "The disruption budget web-pdb needs 2 healthy pods and has 2 currently",
        },
      ],
    },
    code: 429,
  };

  it("names the budget from the DisruptionBudget cause, from a text or a parsed body", () => {
    for (const body of [JSON.stringify(status), status]) {
      expect(evictionRefusal({ code: 429, body, headers: {} })).toEqual({
        message: "PodDisruptionBudget web-pdb: The disruption budget web-pdb needs 2 healthy pods and has 2 currently",
        budget: "web-pdb",
      });
    }
  });

  it("takes the wait from Retry-After, else from retryAfterSeconds", () => {
    expect(evictionRefusal({ body: status, headers: { "retry-after": "3" } }).retryAfterMs).toBe(3_000);
    const withSeconds = { ...status, details: { ...status.details, retryAfterSeconds: 10 } };
    expect(evictionRefusal({ body: withSeconds, headers: {} }).retryAfterMs).toBe(10_000);
  });

  it("still says something for a body it cannot read", () => {
    expect(evictionRefusal({ body: "<html>busy</html>" }).message).toBe("<html>busy</html>");
    expect(evictionRefusal({}).message).toMatch(/429/);
  });
});
