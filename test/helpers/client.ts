import { type ClientOverrides, createApiClient } from "../../src/api/create-client.js";
import { resolveConfig } from "../../src/config/config.js";
import { memoryLogger } from "../../src/log/logger.js";
import type { Sandbox } from "../../src/sandbox/index.js";

/**
 * A client wired to a sandbox exactly as the tap wires it, with retry delays cut to
 * milliseconds (backoff shape is tested on its own) and logs captured.
 */
export function clientFor(
  sandbox: Sandbox,
  config: Record<string, unknown> = {},
  overrides: ClientOverrides = {},
) {
  const { logger, lines } = memoryLogger();
  const resolved = resolveConfig({
    ...sandbox.tapSettings(),
    requests_per_minute: 100_000,
    max_concurrency: 3,
    ...config,
  });
  const parts = createApiClient(resolved, {
    logger,
    retry: { minTimeoutMs: 1, maxTimeoutMs: 5, rateLimitBackoffMs: 10 },
    tokenRetryMinTimeoutMs: 1,
    ...overrides,
  });
  return { ...parts, logs: lines };
}

/** Collects an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
