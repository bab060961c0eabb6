import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";

/**
 * What the proxy does to the next media request, in order (then it passes requests through):
 * - `cut`: passes the status, headers and `afterBytes` bytes of the body, then closes the
 *   connection (a cut mid-body; `onCut` runs just before, e.g. to move the sandbox's clock);
 * - `ignore-range`: drops Range and If-Range on the way up, so the whole file comes back (200);
 * - `shift-range`: asks upstream for `by` bytes before what the client asked for;
 * - `answer`: answers itself, without asking upstream.
 */
export type ProxyStep =
  | { kind: "cut"; afterBytes: number; onCut?: () => void }
  | { kind: "ignore-range" }
  | { kind: "shift-range"; by: number }
  | { kind: "answer"; status: number; contentType?: string; body?: string; headers?: Record<string, string> };

export interface ProxiedRequest {
  path: string;
  query: string;
  range: string | null;
  ifRange: string | null;
  authorization: string | null;
  status: number;
  /** Body bytes passed to the client. */
  bytes: number;
  step: ProxyStep["kind"] | null;
}

export interface MediaProxy {
  readonly url: string;
  /** The same URL with the proxy's origin (signatures cover the path only). */
  via(url: string): string;
  enqueue(...steps: ProxyStep[]): void;
  readonly requests: ProxiedRequest[];
  close(): Promise<void>;
}

const running: MediaProxy[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.close()));
});

/**
 * A proxy in front of the sandbox's media files, for what the sandbox's own faults cannot do:
 * a cut at a chosen byte (its `truncate` cuts half-way only), a server that ignores Range or
 * shifts it, an answer of the test's choosing. Closed after the test.
 */
export async function useMediaProxy(upstream: string): Promise<MediaProxy> {
  const steps: ProxyStep[] = [];
  const requests: ProxiedRequest[] = [];
  const target = new URL(upstream);

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const step = steps.shift() ?? null;
    const url = new URL(req.url ?? "/", upstream);
    const seen: ProxiedRequest = {
      path: url.pathname,
      query: url.search,
      range: req.headers.range ?? null,
      ifRange: (req.headers["if-range"] as string | undefined) ?? null,
      authorization: req.headers.authorization ?? null,
      status: 0,
      bytes: 0,
      step: step?.kind ?? null,
    };
    requests.push(seen);
    if (step?.kind === "answer") {
      seen.status = step.status;
      const body = step.body ?? "";
      res.writeHead(step.status, {
        "Content-Type": step.contentType ?? "text/plain",
        "Content-Length": Buffer.byteLength(body),
        ...step.headers,
      });
      res.end(body);
      return;
    }
    const headers = { ...req.headers };
    if (step?.kind === "ignore-range") {
      delete headers.range;
      delete headers["if-range"];
    }
    if (step?.kind === "shift-range" && headers.range) {
      const from = Number(/^bytes=(\d+)-$/.exec(headers.range)?.[1] ?? 0);
      headers.range = `bytes=${Math.max(0, from - step.by)}-`;
      delete headers["if-range"];
    }
    const up = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (upRes) => {
        seen.status = upRes.statusCode ?? 0;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        if (step?.kind !== "cut") {
          upRes.on("data", (chunk: Buffer) => {
            seen.bytes += chunk.length;
          });
          upRes.pipe(res);
          return;
        }
        let left = step.afterBytes;
        const onData = (chunk: Buffer) => {
          const part = chunk.subarray(0, left);
          left -= part.length;
          seen.bytes += part.length;
          if (left > 0) {
            res.write(part);
            return;
          }
          upRes.off("data", onData);
          upRes.destroy();
          // Flushed first, then cut: the client gets exactly `afterBytes` bytes.
          res.write(part, () => {
            step.onCut?.();
            res.socket?.destroy();
          });
        };
        upRes.on("data", onData);
      },
    );
    up.on("error", () => res.destroy());
    up.end();
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const proxy: MediaProxy = {
    url,
    via: (original) => {
      const rewritten = new URL(original);
      rewritten.host = `127.0.0.1:${port}`;
      return rewritten.toString();
    },
    enqueue: (...more) => steps.push(...more),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  running.push(proxy);
  return proxy;
}
