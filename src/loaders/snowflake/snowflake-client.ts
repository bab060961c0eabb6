import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import type * as SnowflakeSdk from "snowflake-sdk";
import type { Connection, ConnectionOptions } from "snowflake-sdk";
import { registerSecret } from "../../auth/redact.js";
import { ConfigError } from "../../errors.js";
import { LoaderError } from "../core/target-errors.js";

/**
 * The driver, loaded on first use: it pulls in the AWS SDK, which costs every other command
 * (the tap, target-duckdb) a second at start and prints a warning about Node versions that are
 * not this project's concern (it runs on Node 20 by choice). The driver logs to a file in the
 * working folder unless told otherwise; the loader logs itself.
 */
async function driver(): Promise<typeof SnowflakeSdk> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const module = (await import("snowflake-sdk")) as typeof SnowflakeSdk & { default?: typeof SnowflakeSdk };
  const snowflake = module.default ?? module;
  snowflake.configure({ logLevel: "OFF" });
  return snowflake;
}

export interface SnowflakeSettings {
  account: string;
  user: string;
  role: string | null;
  warehouse: string | null;
  database: string;
  schema: string;
  private_key_path: string | null;
  private_key: string | null;
  private_key_passphrase: string | null;
  password: string | null;
  access_url: string | null;
}

/** A statement Snowflake refused, with its code and SQLSTATE, said as what the loader was doing. */
export class SnowflakeStatementError extends LoaderError {
  constructor(
    purpose: string,
    readonly snowflakeCode: string | undefined,
    readonly sqlState: string | undefined,
    message: string,
    sql: string,
  ) {
    super(
      `Snowflake refused ${purpose} (code ${snowflakeCode ?? "?"}${sqlState ? `, SQLSTATE ${sqlState}` : ""}): ${message}`,
      sql,
    );
  }
}

/** The private key as the driver takes it: unencrypted PKCS#8 PEM, decrypted here with the passphrase. */
function privateKeyPem(settings: SnowflakeSettings): string | null {
  let pem = settings.private_key;
  if (!pem && settings.private_key_path) {
    try {
      pem = readFileSync(settings.private_key_path, "utf8");
    } catch (error) {
      throw new ConfigError(
        `The target-snowflake setting 'private_key_path' names ${settings.private_key_path}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}).`,
      );
    }
  }
  if (!pem) return null;
  registerSecret(pem);
  registerSecret(settings.private_key_passphrase);
  try {
    return createPrivateKey({
      key: pem,
      format: "pem",
      passphrase: settings.private_key_passphrase ?? undefined,
    })
      .export({ type: "pkcs8", format: "pem" })
      .toString();
  } catch (error) {
    throw new ConfigError(
      `The target-snowflake private key cannot be read: ${(error as Error).message.replace(/^error:[0-9A-F]+:/i, "")}${settings.private_key_passphrase ? "" : " (an encrypted key needs private_key_passphrase)"}.`,
    );
  }
}

/** One session with Snowflake through the real snowflake-sdk. */
export class SnowflakeClient {
  private constructor(private readonly connection: Connection) {}

  static async connect(settings: SnowflakeSettings): Promise<SnowflakeClient> {
    const key = privateKeyPem(settings);
    if (!key && !settings.password)
      throw new ConfigError(
        "target-snowflake needs private_key_path, private_key or password (key-pair authentication is the one Snowflake recommends).",
      );
    registerSecret(settings.password);
    const options: ConnectionOptions = {
      account: settings.account,
      username: settings.user,
      database: settings.database,
      ...(settings.role ? { role: settings.role } : {}),
      ...(settings.warehouse ? { warehouse: settings.warehouse } : {}),
      ...(settings.access_url ? { accessUrl: settings.access_url } : {}),
      ...(key ? { authenticator: "SNOWFLAKE_JWT", privateKey: key } : { password: settings.password ?? "" }),
    } as ConnectionOptions;
    const connection = (await driver()).createConnection(options);
    try {
      // connectAsync hands some login errors to its callback instead of rejecting.
      await new Promise<void>((resolve, reject) => {
        connection.connectAsync((error: unknown) => (error ? reject(error) : resolve())).catch(reject);
      });
    } catch (error) {
      const e = error as { code?: unknown; message?: string };
      throw new LoaderError(
        `Snowflake refused the login of user ${settings.user} to account ${settings.account} (code ${String(e.code ?? "?")}): ${e.message ?? String(error)}.${key ? " Check that the user's RSA_PUBLIC_KEY is the public half of this private key." : " Check the password, or use key-pair authentication."}`,
      );
    }
    return new SnowflakeClient(connection);
  }

  /** Runs one statement; `purpose` names it in an error ("the MERGE into SESSIONS"). */
  run(sql: string, purpose: string, binds: unknown[] = []): Promise<Record<string, unknown>[]> {
    return new Promise((resolve, reject) => {
      this.connection.execute({
        sqlText: sql,
        ...(binds.length ? { binds: binds as never } : {}),
        complete: (error, _statement, rows) => {
          if (!error) return resolve((rows ?? []) as Record<string, unknown>[]);
          const e = error as unknown as { code?: unknown; sqlState?: string; message: string };
          const refused = new SnowflakeStatementError(
            purpose,
            e.code === undefined ? undefined : String(e.code),
            e.sqlState,
            e.message,
            sql,
          );
          (refused as { cause?: unknown }).cause = error;
          reject(refused);
        },
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.connection.isUp()) return resolve();
      this.connection.destroy(() => resolve());
    });
  }
}
