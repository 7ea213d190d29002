/**
 * JSON text of a value with every object's keys in sorted order, so two values with the same content compare
 * equal as text whatever order their keys were built in (the API server returns a custom resource's fields in
 * alphabetical order, the controller builds them in its own). Undefined properties are left out, as JSON does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) =>
    field !== null && typeof field === "object" && !Array.isArray(field)
      ? Object.fromEntries(Object.entries(field).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : field,
  );
}
