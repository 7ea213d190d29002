export { GcpCloudProvider, GCP_IAM_PERMISSIONS, gcpHolder, type GcpProviderOptions } from "./gcp-provider.js";
export { gcpError } from "./errors.js";
