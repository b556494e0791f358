import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("worker routing", () => {
  it("answers the info page and refuses non-loopback hosts in local mode", async () => {
    const info = await exports.default.fetch("http://localhost/");
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ name: "ktrdr-mcp", transport: "streamable-http" });
    const remote = await exports.default.fetch("https://mcp.example.com/mcp", { method: "POST" });
    expect(remote.status).toBe(403);
  });
});
