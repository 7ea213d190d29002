import type { Server } from "node:net";

/** Closes every listener of a front (its shared endpoint and the per-replica ones), dropping open connections. */
export async function closeAll(servers: (Server & { closeAllConnections(): void })[]): Promise<void> {
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
}
