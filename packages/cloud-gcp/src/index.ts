export { GcpCloudProvider, GCP_IAM_PERMISSIONS, type GcpProviderOptions } from "./gcp-provider.js";
export { gcpError } from "./errors.js";
