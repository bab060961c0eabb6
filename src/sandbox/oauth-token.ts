import type { IncomingMessage } from "node:http";
import { sendJson } from "./responses.js";
import type { RequestContext } from "./routes.js";

const MAX_BODY = 64 * 1024;
const SCOPE = "studies:read";
const NO_CACHE = { "Cache-Control": "no-store", Pragma: "no-cache" };

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const oauthError = (ctx: RequestContext, status: number, error: string, description: string): void =>
  sendJson(ctx.res, status, { error, error_description: description }, NO_CACHE);

/**
 * The client-credentials grant of generate-token.py (classify-tests-by-type.txt): a form body
 * with grant_type, client_id, client_secret and scope=studies:read. Client credentials may also
 * come in an HTTP Basic header, as OAuth 2.0 servers accept.
 */
export async function tokenEndpoint(ctx: RequestContext): Promise<void> {
  const contentType = (ctx.req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (contentType !== "application/x-www-form-urlencoded") {
    return oauthError(ctx, 400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded.");
  }
  const body = await readBody(ctx.req);
  if (body === null) return oauthError(ctx, 400, "invalid_request", "The request body is too large.");
  const form = new URLSearchParams(body);
  let clientId = form.get("client_id");
  let clientSecret = form.get("client_secret");
  const basic = /^Basic\s+(\S+)$/i.exec(ctx.req.headers.authorization ?? "");
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) {
      clientId = decodeURIComponent(decoded.slice(0, colon));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1));
    }
  }
  const grantType = form.get("grant_type");
  if (!grantType) return oauthError(ctx, 400, "invalid_request", "The 'grant_type' parameter is missing.");
  if (grantType !== "client_credentials") {
    return oauthError(
      ctx,
      400,
      "unsupported_grant_type",
      `The authorization grant type '${grantType}' is not supported.`,
    );
  }
  if (!clientId) return oauthError(ctx, 401, "invalid_client", "Client authentication failed: no client_id.");
  const verdict = ctx.env.tokens.authenticate(clientId, clientSecret ?? "");
  if (verdict === "unknown-client")
    return oauthError(ctx, 401, "invalid_client", "Invalid value for 'client_id' parameter.");
  if (verdict === "bad-secret") {
    return oauthError(
      ctx,
      401,
      "invalid_client",
      "The client secret supplied for a confidential client is invalid.",
    );
  }
  const scopes = (form.get("scope") ?? SCOPE).split(/\s+/).filter(Boolean);
  if (scopes.some((s) => s !== SCOPE)) {
    return oauthError(
      ctx,
      400,
      "invalid_scope",
      "One or more scopes are not configured for the authorization server resource.",
    );
  }
  const token = ctx.env.tokens.issue(clientId);
  sendJson(
    ctx.res,
    200,
    { token_type: "Bearer", expires_in: token.expiresIn, access_token: token.accessToken, scope: SCOPE },
    NO_CACHE,
  );
}
