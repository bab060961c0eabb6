import { describe, expect, it } from "vitest";
import { mediaType, parseContentRange, s3ErrorSummary, withoutQuery } from "../../../src/media/media-http.js";

describe("parseContentRange", () => {
  it.each([
    ["a range of a known size", "bytes 100-999/1000", { start: 100, end: 999, total: 1000 }],
    ["a range of an unknown size", "bytes 0-9/*", { start: 0, end: 9, total: null }],
    ["a 416's size", "bytes */1000", { start: null, end: null, total: 1000 }],
    ["an end before the start", "bytes 10-5/1000", null],
    ["an end past the size", "bytes 0-1000/1000", null],
    ["another unit", "items 0-9/10", null],
    ["garbage", "bytes=0-9", null],
    ["no header", undefined, null],
  ])("reads %s", (_case, header, expected) => {
    expect(parseContentRange(header)).toEqual(expected);
  });
});

describe("s3ErrorSummary", () => {
  it.each([
    [
      "an expired URL",
      "<Error><Code>AccessDenied</Code><Message>Request has expired</Message><RequestId>X</RequestId></Error>",
      "AccessDenied: Request has expired",
    ],
    [
      "a message with a full stop",
      "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>",
      "NoSuchKey: The specified key does not exist",
    ],
    ["a code alone", "<Error><Code>SlowDown</Code></Error>", "SlowDown"],
    ["a JSON body", '{"code":"NOT_FOUND"}', null],
  ])("summarises %s", (_case, body, expected) => {
    expect(s3ErrorSummary(body)).toBe(expected);
  });
});

describe("withoutQuery and mediaType", () => {
  it.each([
    [
      "https://bucket.s3.amazonaws.com/videos/a.mp4?X-Amz-Signature=abc",
      "https://bucket.s3.amazonaws.com/videos/a.mp4",
    ],
    ["http://127.0.0.1:1/media/reels/b.mp4#t=1", "http://127.0.0.1:1/media/reels/b.mp4"],
    ["http://127.0.0.1:1/media/reels/b.mp4", "http://127.0.0.1:1/media/reels/b.mp4"],
  ])("keeps the origin and path of %s", (url, expected) => {
    expect(withoutQuery(url)).toBe(expected);
  });

  it.each([
    ["video/mp4", "video/mp4"],
    ["Video/MP4; codecs=avc1", "video/mp4"],
    ["", null],
    [undefined, null],
  ])("reads the media type of %s", (header, expected) => {
    expect(mediaType(header)).toBe(expected);
  });
});
