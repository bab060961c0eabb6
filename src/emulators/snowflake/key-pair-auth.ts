import { createHash, createPublicKey, verify } from "node:crypto";

/**
 * The fingerprint Snowflake names a public key by: "SHA256:" and the base64 SHA-256 of its DER
 * SubjectPublicKeyInfo (the driver computes the same in authentication/auth_keypair.js
 * `calculatePublicKeyFingerprint`, and `DESC USER` shows it as RSA_PUBLIC_KEY_FP).
 */
export function publicKeyFingerprint(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ format: "der", type: "spki" });
  return `SHA256:${createHash("sha256").update(der).digest("base64")}`;
}

export type JwtCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks a key-pair login's JWT as Snowflake does (docs: "Key-pair authentication"): RS256, signed
 * by the user's registered key, `iss` = ACCOUNT.USER.SHA256:fingerprint and `sub` = ACCOUNT.USER
 * (account and user upper case), not expired.
 */
export function checkLoginJwt(
  jwt: string,
  expected: { account: string; user: string; publicKeyPem: string },
  nowMs: number,
): JwtCheck {
  const parts = jwt.split(".");
  if (parts.length !== 3) return { ok: false, reason: "not a JWT (expected three dot-separated parts)" };
  const [headerPart = "", payloadPart = "", signaturePart = ""] = parts;
  let header: { alg?: string };
  let payload: { iss?: string; sub?: string; exp?: number; iat?: number };
  try {
    header = JSON.parse(Buffer.from(headerPart, "base64url").toString("utf8"));
    payload = JSON.parse(Buffer.from(payloadPart, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "header or payload is not base64url JSON" };
  }
  if (header.alg !== "RS256") return { ok: false, reason: `alg is ${String(header.alg)}, not RS256` };
  const signed = verify(
    "RSA-SHA256",
    Buffer.from(`${headerPart}.${payloadPart}`),
    createPublicKey(expected.publicKeyPem),
    Buffer.from(signaturePart, "base64url"),
  );
  if (!signed)
    return { ok: false, reason: "signature does not verify with the user's registered public key" };
  const subject = `${expected.account.toUpperCase()}.${expected.user.toUpperCase()}`;
  const issuer = `${subject}.${publicKeyFingerprint(expected.publicKeyPem)}`;
  if (payload.iss !== issuer) return { ok: false, reason: `iss is '${payload.iss}', expected '${issuer}'` };
  if (payload.sub !== subject) return { ok: false, reason: `sub is '${payload.sub}', expected '${subject}'` };
  // snowflake-sdk 3.x writes iat and exp in milliseconds (auth_keypair.js: `Date.now() + LIFETIME
  // * 1000`) where RFC 7519 has seconds, and the service accepts it; read either.
  const toMs = (value: number) => (value > 1e11 ? value : value * 1000);
  if (typeof payload.exp !== "number") return { ok: false, reason: "no exp claim" };
  if (toMs(payload.exp) <= nowMs) return { ok: false, reason: "the JWT has expired" };
  return { ok: true };
}
