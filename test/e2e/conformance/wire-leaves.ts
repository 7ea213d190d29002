/**
 * `name=value` for every primitive leaf of a JSON body. Only the last property name counts, because the Azure
 * SDK flattens ARM's `properties` envelope into the resource.
 */
export function leaves(value: unknown, name = ""): Set<string> {
  const found = new Set<string>();
  const walk = (node: unknown, key: string) => {
    if (Array.isArray(node)) node.forEach((item) => walk(item, key));
    else if (node !== null && typeof node === "object")
      for (const [child, item] of Object.entries(node)) walk(item, child === "properties" ? key : child);
    else if (node !== undefined && node !== null) found.add(`${key}=${String(node)}`);
  };
  walk(value, name);
  return found;
}

/**
 * The leaves of a wire body an SDK lost when it parsed it: fields its own types do not know (a misspelt or
 * invented field in a simulator's answer) or values they could not carry. Empty when the SDK read everything.
 */
export function droppedBySdk(wire: unknown, parsed: unknown): string[] {
  const kept = leaves(JSON.parse(JSON.stringify(parsed)) as unknown);
  return [...leaves(wire)].filter((leaf) => !kept.has(leaf));
}
