import { randomBytes } from "node:crypto";
import type { DuckDBConnection } from "@duckdb/node-api";

/** A clock in milliseconds since the epoch; tests pass one they move by hand. */
export interface Clock {
  now(): number;
}

/** One Snowflake session: its tokens, its DuckDB connection and what USE set. */
export interface Session {
  id: number;
  user: string;
  token: string;
  tokenExpiresAt: number;
  masterToken: string;
  masterExpiresAt: number;
  /** The session's own DuckDB connection: transactions and temporary tables are per session, as in Snowflake. */
  connection: DuckDBConnection;
  database: string | null;
  schema: string | null;
  warehouse: string | null;
  role: string | null;
  inTransaction: boolean;
}

export type TokenCheck =
  | { ok: true; session: Session }
  /** Codes from the driver's constants/gs_errors.js, which decide what it does next. */
  | { ok: false; code: "390104" | "390111" | "390112" | "390114"; message: string };

/** Snowflake's answers for a token it will not take (wording as the service sends it). */
const REFUSALS = {
  invalid: { code: "390104", message: "Invalid session token. Please login again." },
  gone: { code: "390111", message: "Session no longer exists.  New login required to access the service." },
  expired: { code: "390112", message: "Your session has expired. Please login again." },
  masterExpired: {
    code: "390114",
    message: "Authentication token has expired.  The user must authenticate again.",
  },
} as const;

const newToken = (kind: string): string => `${kind}:${randomBytes(24).toString("base64url")}`;

/**
 * Sessions by token. A session token lives `sessionTtlSeconds`; after that requests carrying it
 * are refused with 390112, which makes the driver renew it with the master token
 * (services/sf.js StateRenewing). The master token lives `masterTtlSeconds`.
 */
export class SessionStore {
  private readonly byToken = new Map<string, Session>();
  private readonly byMaster = new Map<string, Session>();
  private readonly ended = new Set<string>();
  private nextId = 1_000_001;

  constructor(
    private readonly clock: Clock,
    private readonly sessionTtlSeconds: number,
    private readonly masterTtlSeconds: number,
  ) {}

  get ttls(): { session: number; master: number } {
    return { session: this.sessionTtlSeconds, master: this.masterTtlSeconds };
  }

  open(
    fields: Omit<
      Session,
      "id" | "token" | "tokenExpiresAt" | "masterToken" | "masterExpiresAt" | "inTransaction"
    >,
  ): Session {
    const now = this.clock.now();
    const session: Session = {
      ...fields,
      id: this.nextId++,
      token: newToken("ST"),
      tokenExpiresAt: now + this.sessionTtlSeconds * 1000,
      masterToken: newToken("MT"),
      masterExpiresAt: now + this.masterTtlSeconds * 1000,
      inTransaction: false,
    };
    this.byToken.set(session.token, session);
    this.byMaster.set(session.masterToken, session);
    return session;
  }

  /** The session of an `Authorization: Snowflake Token="…"` header. */
  check(header: string | undefined): TokenCheck {
    const token = /Snowflake Token="([^"]*)"/.exec(header ?? "")?.[1];
    if (!token) return { ok: false, ...REFUSALS.invalid };
    const session = this.byToken.get(token);
    if (!session) return { ok: false, ...(this.ended.has(token) ? REFUSALS.gone : REFUSALS.invalid) };
    if (this.clock.now() >= session.tokenExpiresAt) return { ok: false, ...REFUSALS.expired };
    return { ok: true, session };
  }

  /** A new session token for the session whose master token the header carries. */
  renew(header: string | undefined): TokenCheck {
    const token = /Snowflake Token="([^"]*)"/.exec(header ?? "")?.[1] ?? "";
    const session = this.byMaster.get(token);
    if (!session) return { ok: false, ...REFUSALS.invalid };
    if (this.clock.now() >= session.masterExpiresAt) return { ok: false, ...REFUSALS.masterExpired };
    this.byToken.delete(session.token);
    session.token = newToken("ST");
    session.tokenExpiresAt = this.clock.now() + this.sessionTtlSeconds * 1000;
    this.byToken.set(session.token, session);
    return { ok: true, session };
  }

  end(session: Session): void {
    this.byToken.delete(session.token);
    this.byMaster.delete(session.masterToken);
    this.ended.add(session.token);
  }

  all(): Session[] {
    return [...this.byToken.values()];
  }
}
