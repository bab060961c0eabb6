import { type SnowflakeLocal, startSnowflakeLocal } from "../emulators/snowflake/index.js";
import { SnowflakeClient } from "../loaders/snowflake/snowflake-client.js";
import { loadTargetSettings, type TargetSetup, targetByName } from "../loaders/targets.js";
import type { Logger } from "../log/logger.js";
import { STREAMS } from "../streams/registry.js";

const DATABASE = "USERTESTING_DEMO";

/**
 * The demo's Snowflake leg: target-snowflake, with the real snowflake-sdk, against the local
 * Snowflake-protocol server (DuckDB inside, in memory: a stand-in, not Snowflake).
 */
export async function startSnowflakeDemo(
  logger: Logger,
): Promise<{ server: SnowflakeLocal; setup: TargetSetup }> {
  const server = await startSnowflakeLocal({ database: ":memory:" });
  const target = targetByName("snowflake");
  const setup = target.create(
    loadTargetSettings(target, [], {
      TARGET_SNOWFLAKE_ACCOUNT: "LOCAL",
      TARGET_SNOWFLAKE_USER: "demo",
      TARGET_SNOWFLAKE_PASSWORD: "demo-password",
      TARGET_SNOWFLAKE_DATABASE: DATABASE,
      TARGET_SNOWFLAKE_ACCESS_URL: server.url,
    }),
    logger,
  );
  return { server, setup };
}

/** What landed, read back through the driver as a Snowflake user would: unquoted names work. */
export async function printSnowflakeTables(server: SnowflakeLocal): Promise<void> {
  const client = await SnowflakeClient.connect({
    account: "LOCAL",
    user: "demo",
    password: "demo-password",
    database: DATABASE,
    schema: "USERTESTING",
    access_url: server.url,
    role: null,
    warehouse: null,
    private_key: null,
    private_key_path: null,
    private_key_passphrase: null,
  });
  const run = (sql: string) => client.run(sql, "the demo's query");
  try {
    await run("USE SCHEMA USERTESTING");
    process.stdout.write(
      `Tables in ${DATABASE}.USERTESTING of the local stand-in, read back with snowflake-sdk:\n`,
    );
    for (const stream of STREAMS.filter((s) => s.selectedByDefault !== false)) {
      const [row] = await run(`select count(*) as n from ${stream.name}`);
      process.stdout.write(`  ${stream.name.padEnd(22)} ${String(row?.N ?? 0).padStart(6)} rows\n`);
    }
    const sql =
      "select coalesce(test_type, api) as type, count(*) as tests from tests group by 1 order by 2 desc";
    process.stdout.write(`\n-- ${sql}\n`);
    for (const row of await run(sql))
      process.stdout.write(`  ${String(row.TYPE).padEnd(22)} ${String(row.TESTS).padStart(6)}\n`);
    process.stdout.write(
      "\nThe stand-in kept its tables in memory and is stopped now. Against a real account, run\n" +
        "tap-usertesting sync --target snowflake --target-config snowflake.json (see the README's Load into Snowflake).\n",
    );
  } finally {
    await client.close();
  }
}
