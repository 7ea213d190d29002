import { ControllerMetrics } from "./metrics.js";

const facts = (attachments: Record<string, string>, readyNodes: string[]) => ({
  healthy: true,
  reserved: 2,
  attached: Object.keys(attachments).length,
  unattached: 2 - Object.keys(attachments).length,
  eligibleNodes: 3,
  attachments: new Map(Object.entries(attachments)),
  readyNodes,
});

describe("ControllerMetrics", () => {
  it("exposes the existing controller's names and labels, with the cluster label", async () => {
    const metrics = new ControllerMetrics({ podName: "p", version: "1.2.3", clusterName: "prod" });
    metrics.reportAllocation("a", facts({ "1.1.1.1": "n1" }, ["n1"]));
    metrics.setLeader(true);
    metrics.cloudApiError("gcp", "addAccessConfig", "RateLimited");
    const text = await metrics.registry.metrics();
    expect(text).toContain('netipallocation_ip_attached{crd_name="a",ip="1.1.1.1",node="n1",cluster="prod"} 1');
    expect(text).toContain('netipallocation_reserved_ips_total{crd_name="a",cluster="prod"} 2');
    expect(text).toContain('netipallocation_controller_is_leader{pod_name="p",cluster="prod"} 1');
    expect(text).toContain(
      'netipallocation_gcp_api_errors_total{operation="addAccessConfig",error_type="RateLimited",cluster="prod"} 1',
    );
    expect(text).toContain('netipallocation_cloud_api_errors_total{provider="gcp"');
    expect(text).toContain('netipallocation_controller_info{version="1.2.3",pod_name="p",cluster="prod"} 1');
  });

  it("removes series of moved IPs, unlabelled nodes and deleted allocations", async () => {
    const metrics = new ControllerMetrics({ podName: "p", version: "v" });
    metrics.reportAllocation("a", facts({ "1.1.1.1": "n1" }, ["n1"]));
    metrics.reportAllocation("a", facts({ "1.1.1.1": "n2" }, ["n2"]));
    let text = await metrics.registry.metrics();
    expect(text).not.toContain('node="n1"');
    expect(text).toContain('netipallocation_ip_attached{crd_name="a",ip="1.1.1.1",node="n2"} 1');
    metrics.forgetAllocation("a");
    metrics.reportNodeCordoned("n3", true);
    metrics.forgetNode("n3");
    text = await metrics.registry.metrics();
    expect(text).not.toMatch(/crd_name="a"/);
    expect(text).not.toMatch(/node="n3"/);
  });
});
