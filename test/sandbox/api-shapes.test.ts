import { describe, expect, it } from "vitest";
import {
  API_SHAPES,
  DEFAULT_API_SHAPES,
  describeApiShapes,
  parseApiShapes,
} from "../../src/sandbox/index.js";

describe("parseApiShapes", () => {
  it.each([
    ["guides", API_SHAPES.guides],
    ["openapi", API_SHAPES.openapi],
    ["default", DEFAULT_API_SHAPES],
    [" openapi ", API_SHAPES.openapi],
    [
      "openapi,sessionListing=all,retryAfter=true",
      { ...API_SHAPES.openapi, sessionListing: "all", retryAfter: true },
    ],
    [
      "guides, emptyMediaList=404 , workspaceId=true",
      { ...API_SHAPES.guides, emptyMediaList: "404", workspaceId: true },
    ],
  ])("reads %j", (spec, shapes) => {
    expect(parseApiShapes(spec)).toEqual(shapes);
  });

  it.each([
    ["", /unknown API shape profile '': expected one of guides, openapi, default/],
    ["swagger", /unknown API shape profile 'swagger': expected one of guides, openapi, default/],
    ["openapi,retryAfter", /override 'retryAfter' must be key=value/],
    [
      "openapi,retryafter=true",
      /unknown API shape key 'retryafter': expected one of sessionStatus, .*workspaceId/,
    ],
    ["openapi,retryAfter=yes", /'retryAfter' cannot be 'yes': expected one of true, false/],
    ["guides,sessionStatus=UPPER", /'sessionStatus' cannot be 'UPPER': expected one of lower, upper/],
  ])("refuses %j, naming what is wrong and what is allowed", (spec, message) => {
    expect(() => parseApiShapes(spec)).toThrow(message);
  });

  it("does not share the profile objects it returns", () => {
    const shapes = parseApiShapes("guides");
    shapes.retryAfter = false;
    expect(API_SHAPES.guides.retryAfter).toBe(true);
  });

  it("describes a profile as the shortest spec that reads back to it", () => {
    expect(describeApiShapes(API_SHAPES.guides)).toBe("guides");
    expect(describeApiShapes(DEFAULT_API_SHAPES)).toBe("default");
    const custom = parseApiShapes("openapi,retryAfter=true");
    expect(describeApiShapes(custom)).toBe("openapi,retryAfter=true");
    expect(parseApiShapes(describeApiShapes(custom))).toEqual(custom);
  });
});
