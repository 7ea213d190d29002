import { GROUP, KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from "./types.js";
import { netIPAllocationSchema } from "./schema.js";

const READY = '.status.conditions[?(@.type=="Ready")]';

/**
 * A CustomResourceDefinition as plain JSON. Not client-node's V1CustomResourceDefinition: its serializer knows
 * schema keywords by TypeScript names (`_enum`, `xKubernetesValidations`) and silently drops `enum`, `default`
 * and the `x-kubernetes-*` extensions written in their JSON form.
 */
export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string; resourceVersion?: string };
  spec: Record<string, unknown>;
}

/** The CustomResourceDefinition of NetIPAllocation (cluster-scoped, status subresource, printer columns). */
export function netIPAllocationCRD(): CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${PLURAL}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: "Cluster",
      names: { plural: PLURAL, singular: SINGULAR, kind: KIND, listKind: `${KIND}List`, shortNames: SHORT_NAMES },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: netIPAllocationSchema },
          additionalPrinterColumns: [
            { name: "Provider", type: "string", jsonPath: ".spec.cloud.provider" },
            { name: "Reserved", type: "integer", jsonPath: ".status.reservedCount" },
            { name: "Attached", type: "integer", jsonPath: ".status.attachedCount" },
            { name: "Ready", type: "string", jsonPath: `${READY}.status` },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
            { name: "Unattached", type: "integer", jsonPath: ".status.unattachedCount", priority: 1 },
            { name: "Message", type: "string", jsonPath: `${READY}.message`, priority: 1 },
          ],
        },
      ],
    },
  };
}
