import { CoreV1Api } from "@kubernetes/client-node";
import { sharedControlPlane } from "@ipac/testenv";
import { EventRecorder } from "./recorder.js";

describe("EventRecorder against a real apiserver", () => {
  it("writes Events kubectl describe finds, counting repeats on one Event", async () => {
    const { kubeConfig } = await sharedControlPlane();
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const name = `ev-${Date.now().toString(36)}`;
    const cm = await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name } } });
    const recorder = new EventRecorder({ kubeConfig, component: "ip-address-controller", instance: "test-pod" });
    const involved = { apiVersion: "v1", kind: "ConfigMap", name, namespace: "default", uid: cm.metadata!.uid! };
    recorder.record(involved, "Normal", "IPAttached", "attached 1.1.1.1 to node a");
    recorder.record(involved, "Normal", "IPAttached", "attached 1.1.1.1 to node a");
    recorder.record(involved, "Warning", "NoEligibleNode", "no eligible node for 1.1.1.2");
    await recorder.flush();
    const events = await core.listNamespacedEvent({
      namespace: "default",
      fieldSelector: `involvedObject.name=${name},involvedObject.uid=${cm.metadata!.uid}`,
    });
    const summary = events.items.map((e) => [e.type, e.reason, e.count, e.source?.component]).sort();
    expect(summary).toEqual([
      ["Normal", "IPAttached", 2, "ip-address-controller"],
      ["Warning", "NoEligibleNode", 1, "ip-address-controller"],
    ]);
  });
});
