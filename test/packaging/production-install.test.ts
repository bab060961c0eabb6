import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The Docker image's runtime stage, run outside Docker: the same files in a folder of their own
 * (package.json, package-lock.json, a fresh build of dist/, schemas/, catalog.json), the same
 * `npm ci --omit=dev --ignore-scripts`, then the commands Airbyte runs, from another working
 * directory (the platform may change it). A runtime dependency declared as a devDependency, a file
 * the code reads but the image does not copy, or an install script that production would need fails
 * here instead of in a user's Airbyte.
 */

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** What the image sets (Dockerfile ENV NODE_ENV=production). */
const env = { ...process.env, NODE_ENV: "production" };

let root = "";
let app = "";
let elsewhere = "";
const timings: Record<string, number> = {};

async function timed<T>(label: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await step();
  } finally {
    timings[label] = Math.round(performance.now() - started);
  }
}

/** The tap as the image's ENTRYPOINT runs it: node and the built script by absolute path. */
const tap = (args: string[]) =>
  run(process.execPath, [join(app, "dist/cli/tap.js"), ...args], { cwd: elsewhere, env, encoding: "utf8" });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "production-install-"));
  app = join(root, "integration_code");
  elsewhere = join(root, "cwd");
  mkdirSync(app);
  mkdirSync(elsewhere);
  for (const file of ["package.json", "package-lock.json", "catalog.json"]) cpSync(file, join(app, file));
  cpSync("schemas", join(app, "schemas"), { recursive: true });
  // A build of the current src/, not whatever dist/ was left by an earlier `npm run build`.
  await timed("tsc", () =>
    run(process.execPath, [
      "node_modules/typescript/bin/tsc",
      "-p",
      "tsconfig.build.json",
      "--outDir",
      join(app, "dist"),
    ]),
  );
  // --prefer-offline only tells npm to take the lockfile's tarballs from its cache when it has them
  // (their integrity is checked either way): what gets installed is the image's.
  await timed("npm ci", () =>
    run("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"], {
      cwd: app,
      env,
    }),
  );
}, 300_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  process.stderr.write(`production install: ${JSON.stringify(timings)} ms\n`);
});

describe("the image's production install", () => {
  it("needs no install script: no production package in the lockfile has one (the image skips them)", () => {
    const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as {
      packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }>;
    };
    const withScripts = Object.entries(lock.packages)
      .filter(([path, p]) => path !== "" && p.hasInstallScript && !p.dev)
      .map(([path]) => path);
    expect(withScripts).toEqual([]);
  });

  it("installs no devDependency", () => {
    // What the lockfile marks dev-only (a devDependency that a production package also needs,
    // such as @types/node under @google-cloud/storage, is rightly installed).
    const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, entry]) => entry.dev && path.startsWith("node_modules/"))
      .map(([path]) => path);
    expect(devOnly.length).toBeGreaterThan(100);
    for (const path of devOnly) expect(existsSync(join(app, path)), path).toBe(false);
    for (const name of Object.keys(pkg.devDependencies))
      if (lock.packages[`node_modules/${name}`]?.dev)
        expect(existsSync(join(app, "node_modules", name)), name).toBe(false);
    for (const bin of ["tsc", "vitest", "tsx", "biome"])
      expect(existsSync(join(app, "node_modules", ".bin", bin)), bin).toBe(false);
  });

  it("loads every production dependency, and every built module but the commands, from the install alone", async () => {
    const names = Object.keys(pkg.dependencies);
    // dist/cli/ holds the commands, which run when imported; every other module only declares things.
    const modules = readdirSync(join(app, "dist"), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".js") && !f.startsWith("cli/"))
      .map((f) => `./dist/${f}`);
    expect(modules.length).toBeGreaterThan(50);
    // An ES module evaluated with cwd = the install resolves bare names from its node_modules only (the
    // folder is outside this repository): a package the code imports but the install lacks fails here.
    const script = `for (const name of ${JSON.stringify([...names, ...modules])}) await import(name);
const { DuckDBInstance } = await import("@duckdb/node-api");
const connection = await (await DuckDBInstance.create(":memory:")).connect();
const reader = await connection.runAndReadAll("select 42 as answer");
process.stdout.write(JSON.stringify(reader.getRowObjectsJson()));`;
    const { stdout } = await timed("imports", () =>
      run(process.execPath, ["--input-type=module", "-e", script], { cwd: app, env, encoding: "utf8" }),
    );
    // DuckDB's native binding comes from a per-platform optional package: it must be there and load.
    expect(JSON.parse(stdout)).toEqual([{ answer: 42 }]);
    expect(app.startsWith(process.cwd())).toBe(false);
  }, 60_000);

  it("answers Airbyte's spec with exactly one line: one SPEC message with the connection specification", async () => {
    const { stdout } = await timed("spec", () => tap(["spec"]));
    expect(stdout.endsWith("\n"), stdout).toBe(true);
    const lines = stdout.slice(0, -1).split("\n");
    expect(lines).toHaveLength(1);
    const message = JSON.parse(lines[0] as string) as {
      type: string;
      spec?: { connectionSpecification?: { type?: string; properties?: object } };
    };
    expect(message.type).toBe("SPEC");
    expect(message.spec?.connectionSpecification?.type).toBe("object");
    expect(message.spec?.connectionSpecification?.properties).toBeTypeOf("object");
  }, 30_000);

  it("prints --about --format json with the package's version, reading package.json and schemas/ from the install", async () => {
    const { stdout } = await timed("about", () => tap(["--about", "--format", "json"]));
    const about = JSON.parse(stdout) as {
      name: string;
      version: string;
      streams: string[];
      settings: object;
    };
    expect(about).toMatchObject({ name: "tap-usertesting", version: pkg.version });
    expect(about.streams).toContain("sessions");
    expect(about.settings).toBeTypeOf("object");
  }, 30_000);

  it("discovers the catalog that catalog.json holds", async () => {
    const { stdout } = await timed("discover", () => tap(["--discover"]));
    expect(JSON.parse(stdout)).toEqual(JSON.parse(readFileSync("catalog.json", "utf8")));
  }, 30_000);
});
