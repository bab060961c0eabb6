import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { STREAMS, streamSchema } from "../src/streams/registry.js";
import { readSchema } from "../src/util/json-schema.js";

const readme = readFileSync("README.md", "utf8");

describe("the README", () => {
  it("starts with the two commands for a fresh machine", () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    expect(readme.indexOf("```sh")).toBeLessThan(200);
    expect(firstBlock).toMatch(/^npm ci && npm run \w+/m);
    expect(firstBlock).toMatch(/^npm test\b/m);
    expect(readFileSync(".ci/run", "utf8")).toContain("npm test");
  });

  it("documents every setting of the config schema", () => {
    for (const key of Object.keys(readSchema("config.schema.json").properties as object))
      expect(readme).toContain(`\`${key}\``);
  });

  it("documents every stream and every column", () => {
    for (const stream of STREAMS) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${stream.name}\` |`));
      expect(row, stream.name).toBeDefined();
      for (const column of Object.keys(streamSchema(stream.name).properties as object))
        expect(row).toContain(column);
    }
  });

  it("names a script for every bench command it mentions", () => {
    const scripts = JSON.parse(readFileSync("package.json", "utf8")).scripts as Record<string, string>;
    for (const [, name] of readme.matchAll(/npm run (bench:\w+)/g))
      expect(scripts[name as string], name).toBeDefined();
  });
});
