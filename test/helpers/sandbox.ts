import { afterEach } from "vitest";
import { type Sandbox, type SandboxOptions, startSandbox } from "../../src/sandbox/index.js";

const running: Sandbox[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/**
 * A fresh sandbox for this test, closed after it. The rate limit is off unless asked for, and it
 * serves the guides' reading of the documents (the specs across the repo assume it) unless given
 * `apiShapes`.
 */
export async function useSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({ requestsPerMinute: 0, apiShapes: "guides", ...options });
  running.push(sandbox);
  return sandbox;
}

/** Gets a token the way generate-token.py does: a form-encoded client-credentials grant. */
export async function fetchToken(sandbox: Sandbox): Promise<string> {
  const response = await fetch(sandbox.tokenUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: sandbox.client.clientId,
      client_secret: sandbox.client.clientSecret,
      scope: "studies:read",
    }),
  });
  if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** An authorised GET against the sandbox. */
export async function apiGet(
  sandbox: Sandbox,
  path: string,
  token: string | null,
  headers: Record<string, string> = {},
) {
  return fetch(`${sandbox.url}${path}`, {
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
  });
}

/** An authorised GET whose JSON body is returned with the status. */
export async function apiJson<T = unknown>(sandbox: Sandbox, path: string, token: string | null) {
  const response = await apiGet(sandbox, path, token);
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}
