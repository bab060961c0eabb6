/**
 * The vendor's reference workflow, identify-and-classify-tests.py with generate-token.py
 * (../shared/api-docs/classify-tests-by-type.txt), ported call for call: the same endpoints,
 * parameters, headers, 6-second spacing, one retry after a 429 (Retry-After read with
 * str.isdigit()), token refresh 5 minutes before expiry, and the same resume rules. Only the
 * URLs change, and time: `now` and `sleep` are injected so a test can run it on the sandbox's
 * manual clock, at the documented rate, without waiting.
 */

export type VendorTestType = "interaction test" | "think-out-loud test" | "survey";

export interface VendorState {
  utz: Array<{
    test_uuid: string;
    workspace_uuid: string;
    workspace_name: string;
    test_type?: VendorTestType;
  }>;
  classic: Array<{ test_uuid: string; workspace_uuid: string; workspace_name: string }>;
  errors: Record<string, { status: number; type: string }>;
}

export interface VendorWorkflowOptions {
  apiBase: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** REQUEST_INTERVAL_SECONDS of the script. @default 6 */
  intervalSeconds?: number;
  state?: VendorState;
}

export interface VendorRunReport {
  state: VendorState;
  /** Every API call made (path without query) and its status. */
  calls: Array<{ path: string; status: number }>;
  tokenRequests: number;
  stats: { interaction_test: number; think_out_loud_test: number; survey: number; classicut: number };
}

export async function runVendorWorkflow(options: VendorWorkflowOptions): Promise<VendorRunReport> {
  const interval = (options.intervalSeconds ?? 6) * 1000;
  const REFRESH_BEFORE_EXPIRY_SECONDS = 5 * 60;
  const state: VendorState = structuredClone(options.state ?? { utz: [], classic: [], errors: {} });
  const calls: Array<{ path: string; status: number }> = [];
  let accessToken: string | undefined;
  let expiresAtEpoch: number | undefined;
  let tokenRequests = 0;
  let lastCallTime = 0;

  async function generateToken(): Promise<void> {
    tokenRequests += 1;
    const payload =
      `grant_type=client_credentials&client_id=${options.clientId}` +
      `&client_secret=${options.clientSecret}&scope=studies%3Aread`;
    const response = await fetch(options.tokenUrl, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: payload,
    });
    if (!(response.headers.get("content-type") ?? "").startsWith("application/json")) return;
    const data = (await response.json()) as { access_token?: string; expires_in?: number };
    if (data.access_token && data.expires_in) {
      accessToken = data.access_token;
      expiresAtEpoch = Math.floor(options.now() / 1000) + Number(data.expires_in);
    }
  }

  async function getHeaders(): Promise<Record<string, string>> {
    const shouldRefresh =
      !expiresAtEpoch || expiresAtEpoch - options.now() / 1000 < REFRESH_BEFORE_EXPIRY_SECONDS;
    if (shouldRefresh) await generateToken();
    return { Authorization: `Bearer ${accessToken ?? "ACCESS_TOKEN"}`, "Content-Type": "application/json" };
  }

  async function get(url: string): Promise<Response> {
    const response = await fetch(url, { headers: await getHeaders() });
    calls.push({ path: new URL(url).pathname, status: response.status });
    return response;
  }

  const waitForInterval = async () => {
    const elapsed = options.now() - lastCallTime;
    if (elapsed < interval) await options.sleep(interval - elapsed);
  };

  async function checkWithRetry(url: string): Promise<boolean> {
    await waitForInterval();
    let response = await get(url);
    lastCallTime = options.now();
    if (response.status === 200) return true;
    if (response.status === 429) {
      const retryAfter = response.headers.get("Retry-After");
      const waitS = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) : 60;
      await options.sleep(waitS * 1000);
      response = await get(url);
      lastCallTime = options.now();
      return response.status === 200;
    }
    return false;
  }

  const checkVideoUrl = (sessionId: string) =>
    checkWithRetry(`${options.apiBase}/api/v2/sessionResults/${sessionId}/videoDownloadUrl`);
  const checkQxScores = (testId: string) =>
    checkWithRetry(`${options.apiBase}/api/v2/testResults/${testId}/qxScores`);
  const checkTranscript = (sessionId: string) =>
    checkWithRetry(`${options.apiBase}/api/v2/sessionResults/${sessionId}/transcript`);

  async function classifyTest(testId: string, sessionId: string): Promise<VendorTestType> {
    if (await checkVideoUrl(sessionId)) return "interaction test";
    if (await checkQxScores(testId)) return "interaction test";
    if (await checkTranscript(sessionId)) return "think-out-loud test";
    return "survey";
  }

  const getSessionResults = (testUuid: string) =>
    get(`${options.apiBase}/api/v2/sessionResults/?testId=${testUuid}&offset=0&limit=10`);

  // ----- run() -----
  const classifications = new Map(
    state.utz.filter((r) => r.test_type).map((r) => [r.test_uuid, r.test_type]),
  );
  const utzKnown = new Set(state.utz.map((r) => r.test_uuid));
  const classicKnown = new Set(state.classic.map((r) => r.test_uuid));

  const workspaces = (await (await get(`${options.apiBase}/usertesting/api/v1/workspaces`)).json()) as Array<{
    uuid: string;
    name?: string;
  }>;
  if (!Array.isArray(workspaces)) throw new Error("Expected list from workspaces endpoint");
  const workspaceNames = new Map(workspaces.map((w) => [w.uuid, w.name ?? "Unknown"]));

  const studyUuids = new Set<string>();
  const testWorkspace = new Map<string, string>();
  for (const workspace of workspaces) {
    let after: string | undefined;
    const seenAfter = new Set<string>();
    for (;;) {
      const url = `${options.apiBase}/usertesting/api/v1/workspaces/${workspace.uuid}${after ? `?after=${after}` : ""}`;
      const response = await get(url);
      if (response.status !== 200) throw new Error(`workspace detail answered ${response.status}`);
      const studies =
        ((await response.json()) as { studies?: Array<{ uuid?: string; cursor?: string }> }).studies ?? [];
      for (const s of studies) {
        if (s.uuid) {
          studyUuids.add(s.uuid);
          testWorkspace.set(s.uuid, workspace.uuid);
        }
      }
      if (studies.length === 0) break;
      const lastCursor = studies.at(-1)?.cursor;
      if (!lastCursor || seenAfter.has(lastCursor)) break;
      seenAfter.add(lastCursor);
      after = lastCursor;
    }
  }

  const newToProcess = [...studyUuids].filter((u) => !utzKnown.has(u) && !classicKnown.has(u)).sort();
  const recheck = [...studyUuids].filter((u) => utzKnown.has(u) && !classifications.has(u)).sort();
  const toProcess = [...new Set([...newToProcess, ...recheck])].sort();
  const stats = { interaction_test: 0, think_out_loud_test: 0, survey: 0, classicut: 0 };
  lastCallTime = 0;

  const recordUtz = (testUuid: string) => {
    if (!state.utz.some((r) => r.test_uuid === testUuid)) {
      const ws = testWorkspace.get(testUuid) ?? "Unknown";
      state.utz.push({
        test_uuid: testUuid,
        workspace_uuid: ws,
        workspace_name: workspaceNames.get(ws) ?? "Unknown",
      });
    }
    utzKnown.add(testUuid);
  };
  const recordClassic = (testUuid: string) => {
    if (!state.classic.some((r) => r.test_uuid === testUuid)) {
      const ws = testWorkspace.get(testUuid) ?? "Unknown";
      state.classic.push({
        test_uuid: testUuid,
        workspace_uuid: ws,
        workspace_name: workspaceNames.get(ws) ?? "Unknown",
      });
    }
    stats.classicut += 1;
  };
  const handleUtz = async (testUuid: string, response: Response) => {
    const sessions = ((await response.json()) as { sessions?: Array<{ sessionId?: string }> }).sessions ?? [];
    recordUtz(testUuid);
    const sessionId = sessions[0]?.sessionId;
    if (sessionId && !classifications.has(testUuid)) {
      const type = await classifyTest(testUuid, sessionId);
      classifications.set(testUuid, type);
      const record = state.utz.find((r) => r.test_uuid === testUuid);
      if (record) record.test_type = type;
      stats[
        type === "interaction test"
          ? "interaction_test"
          : type === "survey"
            ? "survey"
            : "think_out_loud_test"
      ] += 1;
    }
  };

  for (const testUuid of toProcess) {
    await waitForInterval();
    const response = await getSessionResults(testUuid);
    lastCallTime = options.now();
    if (response.status === 200) await handleUtz(testUuid, response);
    else if (response.status === 404) recordClassic(testUuid);
    else if (response.status === 401 || response.status === 400) {
      state.errors[testUuid] = {
        status: response.status,
        type: response.status === 401 ? "auth_error" : "invalid_pagination_error",
      };
      throw new Error(`${response.status} from sessionResults`);
    } else if (response.status === 429) {
      const retryAfter = response.headers.get("Retry-After");
      const waitS = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) : 60;
      await options.sleep(waitS * 1000);
      const second = await getSessionResults(testUuid);
      lastCallTime = options.now();
      if (second.status === 200) await handleUtz(testUuid, second);
      else if (second.status === 404) recordClassic(testUuid);
      else state.errors[testUuid] = { status: second.status, type: "rate_limited_then_failed" };
    } else {
      state.errors[testUuid] = { status: response.status, type: "unclassified_error" };
    }
  }
  return { state, calls, tokenRequests, stats };
}
