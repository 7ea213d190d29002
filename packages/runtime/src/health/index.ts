export { HealthServer, type HealthCheck } from "./health-server.js";
