import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";

/** What the proxy does to a replica's API-server connection. */
export type ProxyMode = "pass" | "stall" | "blackhole" | "cut";

/**
 * A TCP proxy in front of the kube-apiserver for one replica (TLS passes through untouched), whose connection can
 * be stalled (bytes held back, then delivered), black-holed (bytes silently dropped; the connections are reset at
 * the end, as a broken path's would be once TCP gives up) or cut (connections reset, new ones refused).
 */
export class ApiProxy {
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private mode: ProxyMode = "pass";

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.accept(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Switches mode; back to "pass" ends the fault (a stall delivers what it held, a black hole resets). */
  set(mode: ProxyMode): void {
    const previous = this.mode;
    this.mode = mode;
    for (const pair of this.pairs) {
      if (mode === "cut" || (previous === "blackhole" && mode === "pass")) this.destroy(pair);
      else if (mode === "stall") pair.forEach((s) => s.pause());
      else if (mode === "pass") pair.forEach((s) => s.resume());
    }
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.destroy(pair);
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: Socket): void {
    if (this.mode === "cut") {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on("data", (chunk) => {
        if (this.mode !== "blackhole") to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    if (this.mode === "stall") pair.forEach((s) => s.pause());
    for (const socket of pair) {
      socket.on("error", () => this.destroy(pair));
      socket.on("close", () => this.destroy(pair));
    }
  }

  private destroy(pair: [Socket, Socket]): void {
    if (!this.pairs.delete(pair)) return;
    for (const socket of pair) socket.resetAndDestroy();
  }
}
