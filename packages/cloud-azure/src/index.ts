export { AzureCloudProvider, AZURE_ROLE_ACTIONS, type AzureProviderOptions } from "./azure-provider.js";
export { azureError } from "./errors.js";
