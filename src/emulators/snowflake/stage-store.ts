import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { SNOWFLAKE_ERRORS } from "./snowflake-error.js";

/** A stage reference resolved to a folder: `dir` is the stage's root, `prefix` the path after it. */
export interface ResolvedStage {
  /** How the stage is named in results: ~, %T, or the stage's name. */
  label: string;
  dir: string;
  prefix: string;
}

interface NamedStage {
  dir: string;
  /** The session a TEMPORARY stage belongs to (dropped when it ends), or null. */
  sessionId: number | null;
}

/** Stage names resolve like identifiers: unquoted upper case, quoted exact. */
const stageName = (raw: string): string =>
  raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw.toUpperCase();

/**
 * The stages of one server, each a folder under `root`: the user stage @~ (one per user), table
 * stages @%T (one per table) and named stages from CREATE [TEMPORARY] STAGE. PUT writes into them
 * through the driver's LOCAL_FS transfer; COPY INTO and `FROM @stage` read them with DuckDB.
 */
export class StageStore {
  private readonly named = new Map<string, NamedStage>();
  /** Files already loaded into each table, by path in the stage and SHA-256 (COPY's load metadata). */
  readonly loaded = new Map<string, Map<string, string>>();

  constructor(readonly root: string) {}

  create(name: string, sessionId: number | null, orReplace: boolean, ifNotExists: boolean): string {
    const key = stageName(name.split(".").pop() ?? name);
    const existing = this.named.get(key);
    if (existing && ifNotExists) return key;
    if (existing && !orReplace) throw SNOWFLAKE_ERRORS.alreadyExists(key);
    if (existing) rmSync(existing.dir, { recursive: true, force: true });
    const dir = join(this.root, "named", key);
    mkdirSync(dir, { recursive: true });
    this.named.set(key, { dir, sessionId });
    return key;
  }

  drop(name: string, ifExists: boolean): string {
    const key = stageName(name.split(".").pop() ?? name);
    const stage = this.named.get(key);
    if (!stage) {
      if (ifExists) return key;
      throw SNOWFLAKE_ERRORS.stageMissing(key);
    }
    rmSync(stage.dir, { recursive: true, force: true });
    this.named.delete(key);
    return key;
  }

  /** Drops the temporary stages of a session that ended. */
  endSession(sessionId: number): void {
    for (const [key, stage] of this.named)
      if (stage.sessionId === sessionId) {
        rmSync(stage.dir, { recursive: true, force: true });
        this.named.delete(key);
      }
  }

  /** `@~/a/b`, `@%T/a`, `@NAME/a`, `@db.schema.NAME/a` for a user. */
  resolve(reference: string, user: string): ResolvedStage {
    const text = reference.replace(/^'|'$/g, "").replace(/^@/, "");
    const slash = text.indexOf("/");
    const head = slash < 0 ? text : text.slice(0, slash);
    const prefix = slash < 0 ? "" : text.slice(slash + 1);
    let label: string;
    let dir: string;
    if (head === "~") {
      label = "~";
      dir = join(this.root, "user", user.toUpperCase());
    } else if (head.startsWith("%") || head.includes(".%")) {
      const table = stageName(head.slice(head.indexOf("%") + 1));
      label = `%${table}`;
      dir = join(this.root, "table", table);
    } else {
      const key = stageName(head.split(".").pop() ?? head);
      const stage = this.named.get(key);
      if (!stage) throw SNOWFLAKE_ERRORS.stageMissing(key);
      label = key;
      dir = stage.dir;
    }
    mkdirSync(dir, { recursive: true });
    return { label, dir, prefix };
  }

  /** Files under a stage path, relative to the stage, sorted; PATTERN is a regex on that path. */
  files(stage: ResolvedStage, pattern?: string): string[] {
    const all: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else all.push(relative(stage.dir, full).split(sep).join("/"));
      }
    };
    walk(stage.dir);
    const regex = pattern === undefined ? undefined : new RegExp(`^(?:${pattern})$`);
    return all.filter((f) => f.startsWith(stage.prefix) && (!regex || regex.test(f))).sort();
  }

  remove(stage: ResolvedStage, pattern?: string): string[] {
    const files = this.files(stage, pattern);
    for (const file of files) rmSync(join(stage.dir, file), { force: true });
    return files;
  }

  describe(stage: ResolvedStage, file: string): { size: number; md5: string; modified: Date } {
    const full = join(stage.dir, file);
    const stat = statSync(full);
    return {
      size: stat.size,
      md5: createHash("md5").update(readFileSync(full)).digest("hex"),
      modified: stat.mtime,
    };
  }

  digest(stage: ResolvedStage, file: string): string {
    return createHash("sha256")
      .update(readFileSync(join(stage.dir, file)))
      .digest("hex");
  }

  close(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
