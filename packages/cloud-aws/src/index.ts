export { AwsCloudProvider, AWS_IAM_ACTIONS, awsHolder, type AwsProviderOptions } from "./aws-provider.js";
export { ec2Error } from "./errors.js";
