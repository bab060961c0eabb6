import { readSchema } from "../util/json-schema.js";

export const DOCUMENTATION_URL = "https://github.com/tap-usertesting/tap-usertesting#use-with-airbyte";

/** Settings that are the credentials choice in Airbyte's form, not top-level fields. */
const CREDENTIAL_KEYS = new Set(["client_id", "client_secret", "access_token"]);

type Schema = Record<string, unknown>;

/** A property of config.schema.json, as Airbyte's form wants it: no `format: uri` pattern clash, secrets marked. */
function formField(property: Schema, order: number): Schema {
  const { writeOnly, ...rest } = property;
  return { ...rest, ...(writeOnly ? { airbyte_secret: true } : {}), order };
}

/**
 * The `connectionSpecification` of `spec`, generated from schemas/config.schema.json, so the
 * two front ends can never disagree about a setting. In the shape Airbyte's acceptance tests
 * accept: no $ref, allOf, anyOf, not or if; additionalProperties true; secrets marked
 * `airbyte_secret`; the two ways to authenticate as one `oneOf` whose options share exactly one
 * `const` property (`auth_type`).
 */
export function connectionSpecification(): Schema {
  const config = readSchema("config.schema.json");
  const properties = config.properties as Record<string, Schema>;
  const field = (key: string, order: number) => formField(properties[key] as Schema, order);
  const others = Object.keys(properties).filter((k) => !CREDENTIAL_KEYS.has(k));
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "UserTesting Results API",
    type: "object",
    required: ["credentials"],
    additionalProperties: true,
    properties: {
      credentials: {
        title: "Authentication",
        description:
          "OAuth client credentials (refreshed automatically; the choice for unattended syncs), or a static access token.",
        type: "object",
        order: 0,
        oneOf: [
          {
            title: "OAuth client credentials",
            type: "object",
            required: ["auth_type", "client_id", "client_secret"],
            properties: {
              auth_type: { type: "string", const: "client_credentials", order: 0 },
              client_id: field("client_id", 1),
              client_secret: field("client_secret", 2),
            },
          },
          {
            title: "Access token",
            type: "object",
            required: ["auth_type", "access_token"],
            properties: {
              auth_type: { type: "string", const: "access_token", order: 0 },
              access_token: field("access_token", 1),
            },
          },
        ],
      },
      ...Object.fromEntries(others.map((key, i) => [key, field(key, i + 1)])),
    },
  };
}

/** The SPEC message's `spec`. */
export function connectorSpecification(): Schema {
  return {
    documentationUrl: DOCUMENTATION_URL,
    connectionSpecification: connectionSpecification(),
    supportsIncremental: true,
    protocol_version: "0.5.2",
  };
}

/**
 * An Airbyte config as the tap's settings: the credentials choice flattened back into
 * client_id/client_secret or access_token. A flat config (the tap's own) is taken as it is.
 */
export function tapSettingsOf(airbyteConfig: Record<string, unknown>): Record<string, unknown> {
  const { credentials, ...rest } = airbyteConfig;
  if (credentials === undefined) return rest;
  if (credentials === null || typeof credentials !== "object" || Array.isArray(credentials))
    return { ...rest, credentials };
  const { auth_type: _authType, ...secrets } = credentials as Record<string, unknown>;
  return { ...rest, ...secrets };
}
