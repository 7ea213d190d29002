import { CloudError } from "@ipac/cloud";
import { cloudFailure, cloudFailureText } from "./cloud-failure.js";

describe("cloudFailure", () => {
  it("keeps the class, the cloud's code and the first message of google-gax's retry dump", () => {
    const gax = Object.assign(
      new Error(
        "Total timeout of API google.cloud.compute.v1.Instances exceeded 600000 milliseconds retrying error Error: " +
          "Service Unavailable\n" +
          `{"error":{"code":503,"errors":[${'{"reason":"backendError"},'.repeat(60)}]}} before any response was received.`,
      ),
      { code: 14 },
    );
    const failure = cloudFailure(new CloudError("Transient", gax.message, { provider: "gcp", cause: gax }));
    expect(failure).toEqual({ errorClass: "Transient", code: "14", message: "Service Unavailable" });
    expect(cloudFailureText("attach 34.1.2.3 to node n1", failure)).toBe(
      "attach 34.1.2.3 to node n1 failed: Transient (14): Service Unavailable",
    );
  });

  it("reads AWS and Azure codes, and cuts a long message to one short line", () => {
    const aws = Object.assign(new Error("The allocation ID 'eipalloc-1' does not exist"), {
      name: "InvalidAllocationID.NotFound",
      $metadata: { httpStatusCode: 400 },
    });
    expect(cloudFailure(new CloudError("NotFound", aws.message, { cause: aws })).code).toBe(
      "InvalidAllocationID.NotFound",
    );
    const azure = Object.assign(new Error("x".repeat(500)), { code: "AuthorizationFailed", statusCode: 403 });
    const failure = cloudFailure(new CloudError("Permission", azure.message, { cause: azure }));
    expect(failure.code).toBe("AuthorizationFailed");
    expect(failure.message.length).toBe(200);
  });

  it("classifies what an adapter did not (unrecognised failures are Unknown)", () => {
    expect(cloudFailure(new Error("socket hang up"))).toEqual({ errorClass: "Unknown", message: "socket hang up" });
  });
});
