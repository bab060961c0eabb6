import { randomBytes } from "node:crypto";
import type { Clock } from "./clock.js";

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export type TokenCheck =
  | { ok: true; clientId: string }
  | { ok: false; reason: "missing" | "unknown" | "expired" };

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * Access tokens of the sandbox's OAuth server. Tokens look like the vendor's (JWTs from an
 * Okta authorization server) so that redaction is tested against realistic values; the
 * sandbox only checks that it issued them and that they have not expired.
 */
export class TokenStore {
  private readonly tokens = new Map<string, { clientId: string; expiresAt: number }>();

  constructor(
    readonly clients: readonly OAuthClient[],
    /** Lifetime of issued tokens; the vendor's is 3600 s (classify-tests-by-type.txt). */
    public ttlSeconds: number,
    private readonly clock: Clock,
  ) {}

  authenticate(clientId: string, clientSecret: string): "ok" | "unknown-client" | "bad-secret" {
    const client = this.clients.find((c) => c.clientId === clientId);
    if (!client) return "unknown-client";
    return client.clientSecret === clientSecret ? "ok" : "bad-secret";
  }

  issue(clientId: string, ttlSeconds = this.ttlSeconds): { accessToken: string; expiresIn: number } {
    const issuedAt = Math.floor(this.clock.now() / 1000);
    const header = b64({ kid: "sandbox", alg: "RS256" });
    const payload = b64({
      ver: 1,
      jti: `AT.${randomBytes(12).toString("base64url")}`,
      iss: "https://auth.usertesting.com/oauth2/aus1p3vtd8vtm4Bxv0h8",
      aud: "api://usertesting",
      iat: issuedAt,
      exp: issuedAt + ttlSeconds,
      cid: clientId,
      scp: ["studies:read"],
      sub: clientId,
    });
    const accessToken = `${header}.${payload}.${randomBytes(64).toString("base64url")}`;
    this.tokens.set(accessToken, { clientId, expiresAt: this.clock.now() + ttlSeconds * 1000 });
    return { accessToken, expiresIn: ttlSeconds };
  }

  /** Checks an Authorization header value. */
  check(authorization: string | undefined): TokenCheck {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match?.[1]) return { ok: false, reason: "missing" };
    const entry = this.tokens.get(match[1]);
    if (!entry) return { ok: false, reason: "unknown" };
    if (this.clock.now() >= entry.expiresAt) return { ok: false, reason: "expired" };
    return { ok: true, clientId: entry.clientId };
  }

  /** Makes every issued token expire now (tests of refresh-on-401). */
  expireAll(): void {
    for (const entry of this.tokens.values()) entry.expiresAt = Math.min(entry.expiresAt, this.clock.now());
  }

  /** Forgets every token, as an authorization server does when a key is rotated. */
  revokeAll(): void {
    this.tokens.clear();
  }
}
