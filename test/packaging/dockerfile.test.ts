import { existsSync, readFileSync } from "node:fs";
import { posix } from "node:path";
import {
  Copy,
  DockerfileParser,
  Entrypoint,
  Env,
  From,
  type Instruction,
  Label,
  Run,
  User,
  Workdir,
} from "dockerfile-ast";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { DOCUMENTATION_URL } from "../../src/airbyte/airbyte-spec.js";
import { readSchema } from "../../src/util/json-schema.js";

/**
 * The image and its Airbyte metadata, read as Airbyte's tooling reads them: the Dockerfile through a
 * Dockerfile parser, metadata.yaml through a YAML parser (acceptance-test-config.yml and its files:
 * acceptance-files.test.ts).
 * The rules are Airbyte's connector conventions (docs "airbyte-protocol-docker", and the checks of the
 * Connector Acceptance Tests, which compare the image's labels and AIRBYTE_ENTRYPOINT with its
 * metadata); nothing here needs Docker.
 */

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
  version: string;
  license: string;
  engines: { node: string };
  bin: Record<string, string>;
};

interface Stage {
  from: From;
  /** The stage's instructions after its FROM, in order. */
  body: Instruction[];
}

/** The build stages: each FROM and the instructions up to the next one. */
function stagesOf(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction instanceof From) stages.push({ from: instruction, body: [] });
    else stages.at(-1)?.body.push(instruction);
  }
  return stages;
}

const stages = stagesOf(readFileSync("Dockerfile", "utf8"));
const runtime = stages.at(-1) as Stage;
const build = stages.slice(0, -1);
const ofType = <T extends Instruction>(stage: Stage, type: abstract new (...args: never[]) => T): T[] =>
  stage.body.filter((i): i is T => i instanceof type);
const properties = (instructions: Array<Env | Label>) =>
  Object.fromEntries(instructions.flatMap((i) => i.getProperties().map((p) => [p.getName(), p.getValue()])));
/** A flag's value (dockerfile-ast's getFromFlag() misses --from when another flag follows it). */
const flag = (instruction: Copy, name: string) =>
  instruction
    .getFlags()
    .find((f) => f.getName() === name)
    ?.getValue();
const runs = (stage: Stage) => ofType(stage, Run).map((r) => r.getArgumentsContent() ?? "");
/** The index of an instruction in its stage, to say what comes before what. */
const at = (stage: Stage, instruction: Instruction | undefined) =>
  instruction ? stage.body.indexOf(instruction) : -1;

const entrypoint = ofType(runtime, Entrypoint).at(-1);
const entrypointWords = entrypoint?.getJSONStrings().map((s) => s.getJSONValue()) ?? [];
const runtimeEnv = properties(ofType(runtime, Env));
const labels = properties(ofType(runtime, Label));
const users = ofType(runtime, User);
const lastUser = users.at(-1);
/** WORKDIR of the runtime stage (absolute), against which its COPY destinations resolve. */
const workdir = ofType(runtime, Workdir).at(-1)?.getArgumentsContent() ?? "/";

const metadata = parseYaml(readFileSync("metadata.yaml", "utf8")) as {
  metadataSpecVersion: string;
  data: Record<string, unknown> & { dockerRepository: string; dockerImageTag: string };
};
describe("the Dockerfile", () => {
  it("builds in one stage and runs from another, on a pinned Node 20 image that meets package.json's engines", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const { from } of stages) {
      expect(from.getImageName(), from.getImage() ?? "").toBe("node");
      // A full version in the tag, so a rebuild gets the same Node (not latest, not a moving "20").
      expect(from.getImageTag() ?? "", from.getImage() ?? "").toMatch(/^\d+\.\d+\.\d+-bookworm-slim$/);
    }
    const [major, minor] = (runtime.from.getImageTag() ?? "").split(/[.-]/).map(Number);
    expect(major).toBe(20);
    const [, wantMajor, wantMinor] = /^>=(\d+)\.(\d+)$/.exec(pkg.engines.node) ?? [];
    expect(major === Number(wantMajor) && (minor as number) >= Number(wantMinor), pkg.engines.node).toBe(
      true,
    );
  });

  it("runs on amd64: the runtime stage pins no other platform (a build stage may use the builder's)", () => {
    const platform = runtime.from.getPlatformFlag()?.getValue();
    if (platform !== undefined) expect(platform).toBe("linux/amd64");
    for (const { from } of build)
      expect([undefined, "$BUILDPLATFORM"]).toContain(from.getPlatformFlag()?.getValue());
  });

  it("compiles src/ with npm run build in a build stage, after copying everything tsconfig.build.json reads", () => {
    const builder = build.find((s) => runs(s).some((r) => /\bnpm run build\b/.test(r)));
    expect(builder, "a stage that runs npm run build").toBeDefined();
    const stage = builder as Stage;
    const buildAt = stage.body.findIndex(
      (i) => i instanceof Run && /\bnpm run build\b/.test(i.getArgumentsContent() ?? ""),
    );
    const copied = ofType(stage, Copy)
      .filter((c) => at(stage, c) < buildAt)
      .flatMap((c) =>
        c
          .getArguments()
          .slice(0, -1)
          .map((a) => a.getValue()),
      );
    for (const needed of ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", "src"])
      expect(copied, needed).toContain(needed);
    expect(runs(stage).some((r) => /\bnpm ci\b/.test(r))).toBe(true);
  });

  it("installs production dependencies only in the runtime stage, without install scripts, and runs with NODE_ENV=production", () => {
    const installs = runs(runtime).filter((r) => /\bnpm (ci|install|i)\b/.test(r));
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(/\bnpm ci\b/);
    expect(installs[0]).toMatch(/--omit=dev\b/);
    // package.json's `prepare` runs tsc, which is not in a production install.
    expect(installs[0]).toMatch(/--ignore-scripts\b/);
    expect(runtimeEnv.NODE_ENV).toBe("production");
  });

  it("puts the built code, schemas, catalog and package files in /airbyte/integration_code", () => {
    const dest = (c: Copy) => posix.resolve(workdir, c.getArguments().at(-1)?.getValue() ?? "");
    const copies = ofType(runtime, Copy).map((c) => ({
      from: flag(c, "from"),
      sources: c
        .getArguments()
        .slice(0, -1)
        .map((a) => a.getValue()),
      dest: dest(c),
    }));
    const where = (source: string) =>
      copies.filter((c) => c.sources.some((s) => s === source || s.endsWith(`/${source}`)));
    const builder = build.map((s) => s.from.getBuildStage());
    const dist = where("dist");
    expect(dist).toHaveLength(1);
    expect(builder).toContain(dist[0]?.from);
    expect(dist[0]?.dest).toBe("/airbyte/integration_code/dist");
    for (const file of ["schemas", "catalog.json", "package.json", "package-lock.json"]) {
      const copy = where(file);
      expect(copy, file).toHaveLength(1);
      expect(copy[0]?.from, file).toBeUndefined();
      expect(copy[0]?.dest.replace(/\/schemas$/, ""), file).toBe("/airbyte/integration_code");
    }
  });

  it("has an exec-form ENTRYPOINT of absolute paths that runs package.json's tap-usertesting command", () => {
    expect(entrypoint, "ENTRYPOINT").toBeDefined();
    // Exec form (a JSON array): no shell in between, signals reach node.
    expect(entrypoint?.getOpeningBracket()).not.toBeNull();
    expect(entrypointWords).toEqual(["/usr/local/bin/node", "/airbyte/integration_code/dist/cli/tap.js"]);
    for (const word of entrypointWords) expect(posix.isAbsolute(word), word).toBe(true);
    const script = posix.relative("/airbyte/integration_code", entrypointWords[1] as string);
    expect(pkg.bin["tap-usertesting"]?.replace(/^\.\//, "")).toBe(script);
    expect(existsSync(script.replace(/^dist\//, "src/").replace(/\.js$/, ".ts")), script).toBe(true);
  });

  it("sets AIRBYTE_ENTRYPOINT to the ENTRYPOINT's words joined by spaces (Airbyte wraps it on Kubernetes)", () => {
    expect(runtimeEnv.AIRBYTE_ENTRYPOINT).toBe(entrypointWords.join(" "));
  });

  it("labels the image io.airbyte.name and io.airbyte.version as metadata.yaml and package.json name it", () => {
    expect(labels["io.airbyte.name"]).toBe(metadata.data.dockerRepository);
    expect(labels["io.airbyte.version"]).toBe(metadata.data.dockerImageTag);
    expect(labels["io.airbyte.version"]).toBe(pkg.version);
  });

  it("runs as the user airbyte (uid 1000, as Airbyte's base images), created before it is used", () => {
    expect(lastUser?.getArgumentsContent()).toBe("airbyte");
    const created = ofType(runtime, Run).find((r) => {
      const text = r.getArgumentsContent() ?? "";
      // The node images' user `node` has uid and gid 1000: renaming it keeps them.
      const renamed =
        /\busermod\b[^&]*--login airbyte\b[^&]*\bnode\b/.test(text) &&
        /\bgroupmod\b[^&]*--new-name airbyte node\b/.test(text);
      const added = /\b(useradd|adduser)\b[^&]*--uid 1000\b[^&]*\bairbyte\b/.test(text);
      return renamed || added;
    });
    expect(created, "a RUN that creates airbyte with uid 1000").toBeDefined();
    expect(at(runtime, created)).toBeLessThan(at(runtime, users[0]));
  });

  it("gives airbyte a home of /airbyte that it owns, and the files it runs", () => {
    const chown = ofType(runtime, Run).find((r) =>
      /\bchown -R airbyte(:airbyte)? \/airbyte(\s|$)/.test(r.getArgumentsContent() ?? ""),
    );
    expect(chown, "chown -R airbyte /airbyte").toBeDefined();
    expect(at(runtime, chown)).toBeLessThan(at(runtime, users[0]));
    expect(runtimeEnv.HOME).toBe("/airbyte");
    expect(workdir.startsWith("/airbyte/")).toBe(true);
    // Files copied after USER airbyte are its own too (COPY otherwise writes them as root).
    for (const copy of ofType(runtime, Copy).filter((c) => at(runtime, c) > at(runtime, users[0])))
      expect(flag(copy, "chown"), copy.toString()).toBe("airbyte:airbyte");
  });

  it("sends Docker only what it copies: .dockerignore drops everything else (node_modules, dist, secrets)", () => {
    const patterns = readFileSync(".dockerignore", "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    expect(patterns[0]).toBe("*");
    const kept = new Set(patterns.filter((p) => p.startsWith("!")).map((p) => p.slice(1).replace(/\/$/, "")));
    const fromContext = stages.flatMap((s) =>
      ofType(s, Copy)
        .filter((c) => flag(c, "from") === undefined)
        .flatMap((c) =>
          c
            .getArguments()
            .slice(0, -1)
            .map((a) => a.getValue()),
        ),
    );
    for (const source of fromContext) expect(kept.has(source), source).toBe(true);
    for (const never of ["node_modules", "dist", "secrets", ".git", "test"])
      expect(kept.has(never), never).toBe(false);
  });
});

describe("metadata.yaml", () => {
  it("has what Airbyte's metadata schema requires, with values from its enums", () => {
    expect(metadata.metadataSpecVersion).toBe("1.0");
    const required = [
      "name",
      "definitionId",
      "connectorType",
      "dockerRepository",
      "dockerImageTag",
      "license",
      "documentationUrl",
      "githubIssueLabel",
      "connectorSubtype",
      "releaseStage",
    ];
    for (const key of required) expect(metadata.data[key], key).toBeTruthy();
    expect(metadata.data.definitionId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(metadata.data).toMatchObject({
      connectorType: "source",
      connectorSubtype: "api",
      dockerRepository: "airbyte/source-usertesting",
      dockerImageTag: pkg.version,
      license: pkg.license,
      releaseStage: "alpha",
      supportLevel: "community",
    });
    expect(metadata.data.tags).toContain("language:typescript");
    // The page the spec links to, too.
    expect(metadata.data.documentationUrl).toBe(DOCUMENTATION_URL);
  });

  it("allows the hosts of the default token_url and api_url", () => {
    const config = readSchema("config.schema.json") as { properties: Record<string, { default?: string }> };
    const hosts = (metadata.data.allowedHosts as { hosts: string[] }).hosts;
    for (const key of ["token_url", "api_url"])
      expect(hosts, key).toContain(new URL(config.properties[key]?.default as string).host);
  });
});
