/** A minimal XML writer for the simulator's responses (EC2's Query API answers in XML). */
export type XmlValue = string | number | boolean | undefined | XmlNode | XmlNode[];
export interface XmlNode {
  [tag: string]: XmlValue;
}

const escape = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function toXml(node: XmlNode): string {
  return Object.entries(node)
    .filter(([, value]) => value !== undefined)
    .map(([tag, value]) => `<${tag}>${render(value)}</${tag}>`)
    .join("");
}

function render(value: XmlValue): string {
  if (Array.isArray(value)) return value.map((item) => `<item>${toXml(item)}</item>`).join("");
  if (typeof value === "object" && value !== undefined) return toXml(value);
  return escape(String(value));
}

export function document(root: string, namespace: string, body: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${namespace}">${toXml(body)}</${root}>`;
}
