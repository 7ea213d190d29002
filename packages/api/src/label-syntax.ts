// Kubernetes label syntax (apimachinery's validation.IsQualifiedName / IsValidLabelValue), as pattern text that
// is the same regular expression in CEL (RE2) and in JavaScript: the CRD schema and validate.ts share it.

/** A label key: an optional DNS-subdomain prefix and "/", then a name of up to 63 characters. */
export const LABEL_KEY_PATTERN =
  "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$";
/** A label value: empty, or up to 63 characters of alphanumerics, "-", "_" and "." starting and ending alphanumeric. */
export const LABEL_VALUE_PATTERN = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";
export const MAX_LABEL_NAME = 63;
export const MAX_LABEL_PREFIX = 253;

const keyPattern = new RegExp(LABEL_KEY_PATTERN);
const valuePattern = new RegExp(LABEL_VALUE_PATTERN);

/** Why `key` is not a valid label key, or undefined. */
export function labelKeyError(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : "";
  const name = key.slice(slash + 1);
  if (!keyPattern.test(key) || prefix.length > MAX_LABEL_PREFIX || name.length > MAX_LABEL_NAME)
    return `"${key}" is not a valid label key (an optional DNS prefix and "/", then up to ${MAX_LABEL_NAME} alphanumerics, "-", "_" or ".", starting and ending alphanumeric)`;
  return undefined;
}

/** Why `value` is not a valid label value, or undefined. */
export function labelValueError(value: string): string | undefined {
  if (!valuePattern.test(value) || value.length > MAX_LABEL_NAME)
    return `"${value}" is not a valid label value (up to ${MAX_LABEL_NAME} alphanumerics, "-", "_" or ".", starting and ending alphanumeric)`;
  return undefined;
}
