import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** What `npm pack` ships, as the README's "Installing" section promises: the commands and their files. */
describe("the package", () => {
  it("ships every command it declares, the schemas, the catalog and the sample config", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { bin: Record<string, string> };
    const [pack] = JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { encoding: "utf8" }),
    ) as Array<{ files: Array<{ path: string }> }>;
    const files = new Set(pack?.files.map((f) => f.path));
    for (const [command, path] of Object.entries(pkg.bin))
      expect(files.has(path.replace(/^\.\//, "")), `${command} → ${path}`).toBe(true);
    for (const path of [
      "schemas/config.schema.json",
      "schemas/streams/sessions.json",
      "catalog.json",
      "config.sample.json",
    ])
      expect(files.has(path), path).toBe(true);
    expect([...files].some((f) => f.startsWith("test/") || f.startsWith("src/"))).toBe(false);
  });
});
