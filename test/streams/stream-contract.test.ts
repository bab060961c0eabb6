import { describe, expect, it } from "vitest";
import { STREAMS, streamSchema } from "../../src/streams/registry.js";
import { discoverCatalog } from "../../src/tap/catalog.js";
import { createAjv } from "../../src/util/json-schema.js";

type Property = { type?: string | string[] };
const types = (p: Property | undefined) => (Array.isArray(p?.type) ? p.type : [p?.type]);

/** Every stream, as a Singer target reads it: its schema, keys and replication key agree. */
describe.each(STREAMS.map((s) => [s.name, s] as const))("the %s stream", (_name, stream) => {
  const schema = streamSchema(stream.name);
  const properties = schema.properties as Record<string, Property>;
  const required = new Set(schema.required as string[]);
  const entry = discoverCatalog().streams.find((s) => s.tap_stream_id === stream.name);

  it("has a schema ajv compiles, closed, with every property required (null where it can be missing)", () => {
    expect(() => createAjv().compile(schema)).not.toThrow();
    expect(schema.additionalProperties).toBe(false);
    expect([...required].sort()).toEqual(Object.keys(properties).sort());
  });

  it("keys on properties that can never be null", () => {
    expect(stream.keyProperties.length).toBeGreaterThan(0);
    for (const key of stream.keyProperties) {
      expect(properties[key], key).toBeDefined();
      expect(types(properties[key]), key).not.toContain("null");
    }
  });

  it("declares in the catalog only a replication key its schema has", () => {
    expect(entry?.key_properties).toEqual(stream.keyProperties);
    expect(entry?.replication_method).toBe(stream.replication.method);
    if (stream.replication.method === "INCREMENTAL") {
      const key = stream.replication.key;
      expect(entry?.replication_key).toBe(key);
      expect(properties[key], `${stream.name}.${key}`).toBeDefined();
      const metadata = entry?.metadata.find((m) => m.breadcrumb.join(".") === `properties.${key}`);
      expect(metadata?.metadata.inclusion).toBe("automatic");
    } else {
      expect(entry?.replication_key).toBeUndefined();
    }
  });
});
