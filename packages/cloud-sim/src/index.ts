export { Ec2Front } from "./aws/ec2-front.js";
export { Faults } from "./faults.js";
