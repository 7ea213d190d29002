import { computeSubset, type ProtoJson } from "./compute-protos.js";

const message = (fields: Record<string, string | [string, string]>, nested?: Record<string, ProtoJson>): ProtoJson => ({
  fields: Object.fromEntries(
    Object.entries(fields).map(([name, type], id) => [
      name,
      Array.isArray(type) ? { type: type[1], keyType: type[0], id } : { type, id },
    ]),
  ),
  ...(nested ? { nested } : {}),
});

const full: ProtoJson = {
  nested: {
    google: {
      nested: {
        api: { nested: { http: { type: "HttpRule", id: 72295728, extend: "google.protobuf.MethodOptions" } } },
        protobuf: { nested: { Any: message({ typeUrl: "string", value: "bytes" }) } },
        cloud: {
          nested: {
            operationService: { type: "string", id: 1, extend: "google.protobuf.MethodOptions" },
            compute: {
              nested: {
                v1: {
                  options: { go_package: "computepb" },
                  nested: {
                    Instances: {
                      methods: { Get: { requestType: "GetInstanceRequest", responseType: "Instance" } },
                      options: { "(google.api.default_host)": "compute.googleapis.com" },
                    },
                    GetInstanceRequest: message({ instance: "string", project: "string" }),
                    Instance: message(
                      { networkInterfaces: "NetworkInterface", status: "Status", labels: ["string", "Label"] },
                      { Status: { values: { RUNNING: 0 } } },
                    ),
                    NetworkInterface: message({ accessConfigs: "AccessConfig", detail: "google.protobuf.Any" }),
                    AccessConfig: message(
                      { natIP: "string", type: "AccessConfig.Type" },
                      { Type: { values: { ONE_TO_ONE_NAT: 0 } } },
                    ),
                    Label: message({ value: "string" }),
                    Disks: { methods: { Get: { requestType: "GetDiskRequest", responseType: "Disk" } } },
                    GetDiskRequest: message({ disk: "string" }),
                    Disk: message({ sizeGb: "int64" }),
                  },
                },
                v1beta: { nested: { Instances: { methods: {} } } },
              },
            },
          },
        },
      },
    },
  },
};

describe("computeSubset", () => {
  const subset = computeSubset(full, ["Instances"]);
  const cloud = subset.nested!.google!.nested!.cloud!;
  const v1 = cloud.nested!.compute!.nested!.v1!;

  it("keeps the services asked for and every message they reach, with its nested enums, map values included", () => {
    expect(Object.keys(v1.nested!).sort()).toEqual(
      ["AccessConfig", "GetInstanceRequest", "Instance", "Instances", "Label", "NetworkInterface"].sort(),
    );
    expect(v1.nested!.Instance).toBe(full.nested!.google!.nested!.cloud!.nested!.compute!.nested!.v1!.nested!.Instance);
    expect(v1.options).toEqual({ go_package: "computepb" });
  });

  it("drops the other services, their messages and the other API versions, and keeps what is outside Compute", () => {
    expect(v1.nested!.Disks).toBeUndefined();
    expect(v1.nested!.Disk).toBeUndefined();
    expect(Object.keys(cloud.nested!.compute!.nested!)).toEqual(["v1"]);
    expect(subset.nested!.google!.nested!.protobuf).toBe(full.nested!.google!.nested!.protobuf);
    expect(subset.nested!.google!.nested!.api).toBe(full.nested!.google!.nested!.api);
    expect(cloud.nested!.operationService).toBeDefined();
  });
});
