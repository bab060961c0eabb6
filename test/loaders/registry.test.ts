import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TARGETS, targetByName } from "../../src/loaders/targets.js";
import { readSchema } from "../../src/util/json-schema.js";
import { runCommand } from "../helpers/run-cli.js";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { bin: Record<string, string> };

/** A loader is its folder and one line in TARGETS; everything below comes from that line. */
describe.each(Object.keys(TARGETS))("the %s loader", (name) => {
  const target = targetByName(name);

  it("is a command, target-<name>, in package.json", () => {
    expect(pkg.bin[`target-${name}`]).toMatch(/^dist\/cli\/target(-[a-z0-9]+)?\.js$/);
  });

  it("has a settings schema whose secrets are marked secret", () => {
    const schema = readSchema(target.settings.file);
    expect(schema.additionalProperties).toBe(false);
    for (const [key, p] of Object.entries(schema.properties as Record<string, { secret?: boolean }>))
      if (/password|secret|passphrase|token|^private_key$|credentials_json/.test(key))
        expect(p.secret, key).toBe(true);
  });

  it("describes itself and every setting with --about", async () => {
    const run = await runCommand("src/cli/target.ts", ["--target", name, "--about"]);
    expect(run.status).toBe(0);
    const about = JSON.parse(run.stdout) as { name: string; settings: { properties: object } };
    expect(about.name).toBe(`target-${name}`);
    expect(Object.keys(about.settings.properties)).toEqual(
      Object.keys(readSchema(target.settings.file).properties as object),
    );
  });
});

describe("an unknown loader", () => {
  it("is refused, naming the ones there are", async () => {
    const run = await runCommand("src/cli/target.ts", ["--target", "oracle"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`Unknown target 'oracle'. Available: ${Object.keys(TARGETS).join(", ")}.`);
  });
});
