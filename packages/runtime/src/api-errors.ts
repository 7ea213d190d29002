/** The HTTP status of a failed Kubernetes API call (client-node's ApiException carries it as `code`). */
export function statusCode(error: unknown): number | undefined {
  return typeof error === "object" && error !== null && "code" in error ? Number(error.code) : undefined;
}

/** For `.catch(ignoreNotFound)`: a 404 means there is nothing left to act on; any other error is rethrown. */
export function ignoreNotFound(error: unknown): void {
  if (statusCode(error) !== 404) throw error;
}
