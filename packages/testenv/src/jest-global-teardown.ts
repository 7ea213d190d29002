import { stopSharedControlPlanes } from "./shared.js";

export default async function globalTeardown(): Promise<void> {
  await stopSharedControlPlanes();
}
