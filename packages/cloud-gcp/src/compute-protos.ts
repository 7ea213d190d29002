import { createRequire } from "node:module";

/** A protobuf.js JSON namespace, message, enum or service, as in @google-cloud/compute's protos.json. */
export interface ProtoJson {
  nested?: Record<string, ProtoJson>;
  fields?: Record<string, { type: string; keyType?: string }>;
  methods?: Record<string, { requestType: string; responseType: string }>;
  [option: string]: unknown;
}

/**
 * The part of the Compute API description that the given v1 services need: the services, every message their
 * methods take or return and every message those reach (a nested enum goes with its message), and the namespaces
 * outside Compute whole (HTTP options, well-known types). The package's protos.json describes all ~2,200 v1 and
 * ~2,400 v1beta types; every client builds a protobuf.js Root from all of it (1.7 s of CPU, ~35 MB kept and
 * ~130 MB of garbage that stays in the heap's reserve).
 */
export function computeSubset(full: ProtoJson, services: readonly string[]): ProtoJson {
  const google = full.nested!.google!;
  const cloud = google.nested!.cloud!;
  const compute = cloud.nested!.compute!;
  const v1 = compute.nested!.v1!;
  const kept: Record<string, ProtoJson> = {};
  const visit = (name: string) => {
    // A dotted name outside v1 ("google.protobuf.Any") is kept whole; "Message.Nested" goes with its message.
    if (name.startsWith("google.")) return;
    const top = name.split(".")[0]!;
    const type = v1.nested![top];
    if (!type || top in kept) return;
    kept[top] = type;
    for (const method of Object.values(type.methods ?? {})) [method.requestType, method.responseType].forEach(visit);
    referencedTypes(type).forEach(visit);
  };
  services.forEach(visit);
  return {
    ...full,
    nested: {
      ...full.nested,
      google: {
        ...google,
        nested: {
          ...google.nested,
          cloud: {
            ...cloud,
            nested: { ...cloud.nested, compute: { ...compute, nested: { v1: { ...v1, nested: kept } } } },
          },
        },
      },
    },
  };
}

function referencedTypes(type: ProtoJson): string[] {
  const own = Object.values(type.fields ?? {}).flatMap((field) =>
    field.keyType ? [field.type, field.keyType] : [field.type],
  );
  return [...own, ...Object.values(type.nested ?? {}).flatMap(referencedTypes)];
}

interface GaxModule {
  fallback: { GrpcClient: new (options?: object) => { loadProtoJSON(json: object): unknown } } & Record<
    string,
    unknown
  >;
  [name: string]: unknown;
}

/**
 * The google-gax module @google-cloud/compute itself uses (so both share one instance), with its REST transport's
 * GrpcClient building the Root from the subset of the API description these services need. The clients take it
 * as their `gaxInstance`; everything else about them is the official client's.
 */
export function computeGax(services: readonly string[]): unknown {
  const fromCompute = createRequire(createRequire(import.meta.url).resolve("@google-cloud/compute"));
  const gax = fromCompute("google-gax") as GaxModule;
  const Base = gax.fallback.GrpcClient;
  let root: unknown;
  class SubsetGrpcClient extends Base {
    override loadProtoJSON(json: object): unknown {
      root ??= super.loadProtoJSON(computeSubset(json as ProtoJson, services));
      return root;
    }
  }
  return { ...gax, fallback: { ...gax.fallback, GrpcClient: SubsetGrpcClient } };
}
