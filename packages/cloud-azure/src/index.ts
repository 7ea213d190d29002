export { AzureCloudProvider, AZURE_ROLE_ACTIONS, azureHolder, type AzureProviderOptions } from "./azure-provider.js";
export { azureError } from "./errors.js";
