import type { AddressObservation } from "./provider.js";

/**
 * What describeAddresses returns, from the static addresses one read found (by IP): an observation for each
 * asked IP (`reserved: false` when the read did not find it), and one for every other found address that some
 * instance holds, so the controller knows those instances are taken.
 */
export function observationsOf<Address>(
  ips: readonly string[],
  found: ReadonlyMap<string, Address>,
  observe: (ip: string, address: Address) => AddressObservation,
): Map<string, AddressObservation> {
  const result = new Map<string, AddressObservation>();
  for (const ip of ips) {
    const address = found.get(ip);
    result.set(ip, address === undefined ? { ip, reserved: false } : observe(ip, address));
  }
  for (const [ip, address] of found) {
    if (result.has(ip)) continue;
    const observation = observe(ip, address);
    if (observation.holder) result.set(ip, observation);
  }
  return result;
}
