/**
 * Every endpoint of ../shared/api-docs (and the clips listing, which only the vendor's OpenAPI documents) as data. `rateLimited`: counts against the Results
 * API's 10-a-minute budget (the workspace endpoints are not documented as limited).
 */
export interface Endpoint {
  name: string;
  /** Path template; {name} segments are filled from path parameters. Used in logs and errors. */
  template: string;
  rateLimited: boolean;
  responseType: "json" | "text";
}

const endpoint = (
  name: string,
  template: string,
  rateLimited: boolean,
  responseType: "json" | "text" = "json",
): Endpoint => ({
  name,
  template,
  rateLimited,
  responseType,
});

export const ENDPOINTS = {
  workspaces: endpoint("workspaces", "/usertesting/api/v1/workspaces", false),
  workspaceStudies: endpoint("workspaceStudies", "/usertesting/api/v1/workspaces/{workspaceId}", false),
  sessionResults: endpoint("sessionResults", "/api/v2/sessionResults", true),
  sessionDetail: endpoint("sessionDetail", "/api/v3/sessionResults/{sessionId}", true),
  transcript: endpoint("transcript", "/api/v2/sessionResults/{sessionId}/transcript", true, "text"),
  videoDownloadUrl: endpoint("videoDownloadUrl", "/api/v2/sessionResults/{sessionId}/videoDownloadUrl", true),
  clips: endpoint("clips", "/api/v2/sessionResults/{sessionId}/clips", true),
  qxScores: endpoint("qxScores", "/api/v2/testResults/{testId}/qxScores", true),
  highlightReels: endpoint("highlightReels", "/api/v2/testResults/{testId}/highlightreels", true),
  highlightReel: endpoint("highlightReel", "/api/v2/testResults/{testId}/highlightreels/{reelId}", true),
} as const satisfies Record<string, Endpoint>;

/** Fills a template's {name} segments, URL-encoded. */
export function fillTemplate(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(value);
  });
}
