import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "./clock.js";

const amzDate = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

/**
 * Pre-signed media URLs in the shape of S3's (video-downloads.txt: "AWS S3 pre-signed link
 * mechanisms"). The signature covers the path, the signing time and the lifetime, so a URL
 * cannot be stretched; checks happen when a request starts, so a download that began before
 * expiry completes, and a new (say, resumed) request after expiry gets 403.
 */
export class UrlSigner {
  private readonly secret = randomBytes(32);
  private readonly securityToken = randomBytes(96).toString("base64");

  constructor(private readonly clock: Clock) {}

  sign(baseUrl: string, path: string, expiresInSeconds: number): { url: string; expiresAt: string } {
    // X-Amz-Date has whole seconds, so expiry is counted from the whole second.
    const signedAt = Math.floor(this.clock.now() / 1000) * 1000;
    const date = amzDate(signedAt);
    const params = new URLSearchParams({
      "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
      "X-Amz-Credential": `ASIASANDBOXEXAMPLE01/${date.slice(0, 8)}/us-east-2/s3/aws4_request`,
      "X-Amz-Date": date,
      "X-Amz-Expires": String(expiresInSeconds),
      "X-Amz-Security-Token": this.securityToken,
      "X-Amz-SignedHeaders": "host",
    });
    params.set("X-Amz-Signature", this.signature(path, date, String(expiresInSeconds)));
    return {
      url: `${baseUrl}${path}?${params.toString()}`,
      expiresAt: new Date(signedAt + expiresInSeconds * 1000).toISOString(),
    };
  }

  verify(path: string, query: URLSearchParams): "ok" | "expired" | "invalid" {
    const date = query.get("X-Amz-Date");
    const expires = query.get("X-Amz-Expires");
    const given = query.get("X-Amz-Signature");
    if (!date || !expires || !given || !/^\d{8}T\d{6}Z$/.test(date) || !/^\d+$/.test(expires))
      return "invalid";
    const expected = Buffer.from(this.signature(path, date, expires));
    const actual = Buffer.from(given);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return "invalid";
    const signedAt = Date.parse(
      `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
    );
    return this.clock.now() >= signedAt + Number(expires) * 1000 ? "expired" : "ok";
  }

  private signature(path: string, date: string, expires: string): string {
    return createHmac("sha256", this.secret).update(`${path}\n${date}\n${expires}`).digest("hex");
  }
}
