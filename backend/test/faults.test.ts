// Fault injection admin API and every fault kind; off by default.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startTestBackend } from "./helpers.ts";
import type { TestBackend } from "./helpers.ts";

let b: TestBackend;
const admin = (method: string, path: string, body?: unknown) => call(b.root, method, path, body);
const setFault = (fault: string, extra: Record<string, unknown> = {}) =>
  admin("POST", "/__faults", { rules: [{ method: "GET", path: "/api/v1/operations*", fault, times: 1, ...extra }] });

beforeAll(async () => {
  b = await startTestBackend({ wire: "v2025", faults: true });
});
afterAll(() => b.close());

describe("fault injection", () => {
  it("is off by default", async () => {
    const plain = await startTestBackend();
    try {
      expect((await call(plain.root, "POST", "/__faults", { rules: [{ path: "/*", fault: "500_detail" }] })).status).toBe(404);
      expect((await call(plain.root, "POST", "/__reset")).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
  it("rejects bad rules", async () => {
    expect((await admin("POST", "/__faults", { rules: [{ path: "/x", fault: "explode" }] })).status).toBe(400);
    expect((await admin("POST", "/__faults", {})).status).toBe(400);
  });
  it.each([
    ["500_envelope", 500, { success: false, error: { code: "INTERNAL_SERVER_ERROR" } }],
    ["500_detail", 500, { detail: "Internal server error" }],
    ["503_envelope", 503, { success: false }],
    ["404_detail", 404, { detail: "Not Found" }],
    ["404_envelope", 404, { success: false, error: { code: "DATA-NotFound" } }],
    ["400_detail", 400, { detail: expect.any(String) }],
    ["400_envelope", 400, { success: false, error: { code: "DATA-InvalidSymbol" } }],
    ["422_v2025", 422, { detail: [expect.objectContaining({ type: "missing" })] }],
    ["422_envelope", 422, { success: false, error: { code: "VALIDATION_ERROR" } }],
  ])("%s", async (fault, status, body) => {
    await setFault(fault);
    const r = await call(b.url, "GET", "/operations");
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject(body);
    expect((await call(b.url, "GET", "/operations")).status).toBe(200); // times: 1 → used up
  });
  it.each([
    ["html", 200, "Cloudflare Access"],
    ["html_403", 403, "Cloudflare Access"],
    ["502", 502, "Bad gateway"],
    ["524", 524, "A timeout occurred"],
  ])("%s answers an HTML page", async (fault, status, text) => {
    await setFault(fault);
    const r = await call(b.url, "GET", "/operations");
    expect(r.status).toBe(status);
    expect(r.headers.get("content-type")).toContain("text/html");
    expect(r.text).toContain(text);
    expect(r.body).toBeUndefined();
  });
  it("malformed_json and truncated_json are not parseable JSON", async () => {
    await setFault("malformed_json");
    const m = await call(b.url, "GET", "/operations");
    expect(m.status).toBe(200);
    expect(m.headers.get("content-type")).toBe("application/json");
    expect(() => JSON.parse(m.text)).toThrow();
    await setFault("truncated_json");
    const t = await call(b.url, "GET", "/operations");
    const full = await call(b.url, "GET", "/operations");
    expect(t.status).toBe(200);
    expect(() => JSON.parse(t.text)).toThrow();
    expect(full.text.startsWith(t.text)).toBe(true);
  });
  it("drop destroys the connection", async () => {
    await setFault("drop");
    await expect(fetch(`${b.url}/operations`)).rejects.toThrow();
    expect((await call(b.url, "GET", "/operations")).status).toBe(200);
  });
  it("slow delays and then answers normally", async () => {
    await setFault("slow", { delay_ms: 300 });
    const t0 = Date.now();
    const r = await call(b.url, "GET", "/operations");
    expect(r.status).toBe(200);
    expect(r.body.success).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });
  it("method and path matching; unlimited rules until DELETE /__faults", async () => {
    await admin("POST", "/__faults", { rules: [{ method: "POST", path: "/api/v1/data/load", fault: "502" }] });
    expect((await call(b.url, "GET", "/operations")).status).toBe(200);
    expect((await call(b.url, "POST", "/data/load", { symbol: "AAPL" })).status).toBe(502);
    expect((await call(b.url, "POST", "/data/load", { symbol: "AAPL" })).status).toBe(502);
    const list = await admin("GET", "/__faults");
    expect(list.body.rules[0]).toMatchObject({ method: "POST", fault: "502", hits: 2, times: null });
    expect((await admin("DELETE", "/__faults")).status).toBe(200);
    expect((await call(b.url, "POST", "/data/load", { symbol: "AAPL", mode: "local" })).status).toBe(200);
  });
  it("POST /__reset forgets every operation, like a v2025 restart", async () => {
    const r = await call(b.url, "POST", "/data/load", { symbol: "AAPL", timeframe: "1h", mode: "local" });
    const id = r.body.data.operation_id;
    expect((await call(b.url, "GET", `/operations/${id}`)).status).toBe(200);
    const reset = await admin("POST", "/__reset");
    expect(reset.body.reset).toBe(true);
    expect(await call(b.url, "GET", `/operations/${id}`)).toMatchObject({ status: 404, body: { detail: `Operation not found: ${id}` } });
    expect((await call(b.url, "GET", "/operations")).body).toMatchObject({ data: [], total_count: 0, active_count: 0 });
  });
});
