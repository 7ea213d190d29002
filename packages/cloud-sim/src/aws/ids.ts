import { createHash } from "node:crypto";

// EC2 identifiers the world model does not carry, derived deterministically so every call agrees.
const hex = (text: string, length: number) => createHash("sha256").update(text).digest("hex").slice(0, length);

export const allocationIdOf = (ip: string) => `eipalloc-${hex(`alloc:${ip}`, 17)}`;
export const associationIdOf = (ip: string, instanceId: string) => `eipassoc-${hex(`assoc:${ip}:${instanceId}`, 17)}`;
export const networkInterfaceIdOf = (instanceId: string) => `eni-${hex(`eni:${instanceId}`, 17)}`;
export const privateIpOf = (instanceId: string) => {
  const h = createHash("sha256").update(instanceId).digest();
  return `10.${h[0]! % 256}.${h[1]! % 256}.${(h[2]! % 250) + 4}`;
};
