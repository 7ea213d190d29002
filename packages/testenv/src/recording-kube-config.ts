import { KubeConfig, type RequestContext } from "@kubernetes/client-node";

/**
 * A copy of a kubeconfig that records every request sent through it (every client-node API client, Watch and
 * informer authenticates each request through its kubeconfig), to count what a component sends to the API server.
 */
export class RecordingKubeConfig extends KubeConfig {
  readonly requests: { method: string; url: URL }[] = [];

  constructor(from: KubeConfig) {
    super();
    this.loadFromString(from.exportConfig());
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    this.requests.push({ method: context.getHttpMethod(), url: new URL(context.getUrl()) });
    await super.applySecurityAuthentication(context);
  }

  /** "METHOD /path" of every request but GETs, and but those whose path contains `except`. */
  writes(except?: string): string[] {
    return this.requests
      .filter((r) => r.method !== "GET" && !(except && r.url.pathname.includes(except)))
      .map((r) => `${r.method} ${r.url.pathname}`);
  }
}
