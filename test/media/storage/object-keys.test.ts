import { describe, expect, it } from "vitest";
import { checkKey, MediaIdError, MediaKeyError, reelKey, videoKey } from "../../../src/media/object-keys.js";

const ID = "0b6f3c1e-2d4a-4f5b-8c7d-9e0f1a2b3c4d";
const OTHER = "AABBCCDD-EEFF-0011-2233-445566778899";

describe("object keys", () => {
  it("puts a session's video under videos/ and a reel under reels/<test>/, in lower case", () => {
    expect(videoKey(ID)).toBe(`videos/${ID}.mp4`);
    expect(videoKey(ID.toUpperCase())).toBe(`videos/${ID}.mp4`);
    expect(reelKey(ID, OTHER)).toBe(`reels/${ID}/${OTHER.toLowerCase()}.mp4`);
  });

  it.each([
    ["a path", "../../etc/passwd"],
    ["an absolute path", "/etc/passwd"],
    ["a backslash path", "..\\..\\x"],
    ["a UUID with a suffix", `${ID}/../x`],
    ["a UUID in braces", `{${ID}}`],
    ["a URN", `urn:uuid:${ID}`],
    ["a UUID with whitespace", ` ${ID}`],
    ["a UUID with a newline", `${ID}\n`],
    ["a UUID without dashes", ID.replace(/-/g, "")],
    ["a UUID with a non-hex digit", `${ID.slice(0, -1)}g`],
    ["an empty string", ""],
  ])("refuses %s as a session id, naming it", (_name, id) => {
    expect(() => videoKey(id)).toThrow(MediaIdError);
    expect(() => videoKey(id)).toThrow(/The sessionId .* is not a UUID/);
  });

  it("names which id of a reel is wrong", () => {
    expect(() => reelKey("nope", ID)).toThrow(/The testId "nope" is not a UUID/);
    expect(() => reelKey(ID, "../x")).toThrow(/The reelId "\.\.\/x" is not a UUID/);
    expect(() => videoKey(42 as unknown as string)).toThrow(/The sessionId 42 is not a UUID/);
  });

  it("shortens a long id in the message", () => {
    const error = (() => {
      try {
        videoKey("x".repeat(5000));
      } catch (e) {
        return e as MediaIdError;
      }
    })();
    expect(error?.code).toBe("MEDIA_ID_INVALID");
    expect(error?.message.length).toBeLessThan(200);
  });

  it.each([`videos/${ID}.mp4`, `reels/${ID}/${ID}.mp4`, "a", "a.b_c-d/e"])(
    "lets the key %s through",
    (key) => {
      expect(checkKey(key)).toBe(key);
    },
  );

  it.each([
    ["empty", ""],
    ["absolute", "/videos/x.mp4"],
    ["a parent", "../x.mp4"],
    ["a parent inside", "videos/../../x.mp4"],
    ["a current folder", "./x.mp4"],
    ["an empty segment", "videos//x.mp4"],
    ["a trailing slash", "videos/"],
    ["a backslash", "videos\\x.mp4"],
    ["a drive letter", "C:/x.mp4"],
    ["a space", "videos/x y.mp4"],
    ["a NUL", "videos/x\u0000.mp4"],
    ["the local store's part suffix", "videos/x.mp4.part"],
    ["the local store's sidecar suffix", "videos/x.mp4.sha256"],
    ["over 512 characters", `${"a/".repeat(300)}x`],
  ])("refuses a key that is %s", (_name, key) => {
    expect(() => checkKey(key)).toThrow(MediaKeyError);
  });
});
