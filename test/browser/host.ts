/**
 * A minimal MCP Apps host for the operation view (the e2e browser test and `npm run demo -- --ui`):
 * an MCP client (@modelcontextprotocol/client 2.x, advertising io.modelcontextprotocol/ui)
 * connected to the Worker's /mcp, and per view an AppBridge and a sandboxed srcdoc iframe holding
 * the ui:// resource read with resources/read, under the CSP the resource declares. Tool calls
 * from a view go through the bridge to the real server (app-visible tools only; logged in
 * `host.calls`) — or, for a view shown with a script (`showScripted`), are answered from it: the
 * test plays the server, for states the stand-in cannot reach at a chosen moment. Query: ?mcp=<url>&era=auto|legacy|modern&theme=light|dark&op=<operation id>.
 */
import { Client, StreamableHTTPClientTransport, type CallToolResult, type Tool } from "@modelcontextprotocol/client";
import {
  AppBridge,
  getToolUiResourceUri,
  PostMessageTransport,
  RESOURCE_MIME_TYPE,
  type McpUiHostContext,
  type McpUiResourceCsp,
} from "@modelcontextprotocol/ext-apps/app-bridge";

type Theme = "light" | "dark";
type Rec = Record<string, unknown>;

interface CallLog {
  view: number;
  name: string;
  args: Rec;
  at: number;
  ms?: number;
  isError?: boolean;
  refused?: string;
}

interface View {
  id: number;
  tool: string;
  args: Rec;
  bridge: AppBridge;
  card: HTMLElement;
  iframe: HTMLIFrameElement;
  torn: boolean;
  context: McpUiHostContext;
}

const q = new URLSearchParams(location.search);
const mcpUrl = q.get("mcp") ?? new URL("/mcp", location.href).href;
const eraParam = q.get("era") ?? "auto";
let theme: Theme = q.get("theme") === "light" ? "light" : "dark";
const $ = (id: string) => document.getElementById(id)!;

const calls: CallLog[] = [];
/**
 * Scripted answers per view and tool: each call takes the next result, the last one repeats. A
 * scripted view calls nothing for real; a tool without a script gets a tool error.
 */
const scripts = new Map<number, Map<string, CallToolResult[]>>();
const views = new Map<number, View>();
let nextView = 1;
const htmlCache = new Map<string, Promise<{ html: string; csp?: McpUiResourceCsp }>>();

/** The CSP a host derives from the resource's declaration (spec: no loosening; empty lists = nothing). */
function cspFor(csp?: McpUiResourceCsp): string {
  const res = (csp?.resourceDomains ?? []).join(" ");
  const connect = (csp?.connectDomains ?? []).join(" ");
  return [
    "default-src 'none'",
    `script-src 'unsafe-inline' ${res}`,
    `style-src 'unsafe-inline' ${res}`,
    `img-src data: ${res}`,
    `font-src ${res || "'none'"}`,
    `connect-src ${connect || "'none'"}`,
    `frame-src ${(csp?.frameDomains ?? []).join(" ") || "'none'"}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

const client = new Client(
  { name: "ktrdr-test-host", version: "1.0.0" },
  {
    capabilities: { extensions: { "io.modelcontextprotocol/ui": { mimeTypes: [RESOURCE_MIME_TYPE] } } },
    versionNegotiation: { mode: eraParam === "legacy" ? "legacy" : eraParam === "modern" ? { pin: "2026-07-28" } : "auto" },
  },
);
let tools = new Map<string, Tool>();

async function viewHtml(uri: string): Promise<{ html: string; csp?: McpUiResourceCsp }> {
  let p = htmlCache.get(uri);
  if (!p) {
    p = (async () => {
      const res = await client.readResource({ uri });
      const item = res.contents[0] as
        | { mimeType?: string; text?: string; blob?: string; _meta?: { ui?: { csp?: McpUiResourceCsp } } }
        | undefined;
      if (!item || item.mimeType !== RESOURCE_MIME_TYPE) throw new Error(`${uri} is not an MCP App resource (${item?.mimeType})`);
      return { html: item.text ?? atob(item.blob ?? ""), csp: item._meta?.ui?.csp };
    })();
    htmlCache.set(uri, p);
  }
  return p;
}

/** Mounts a view for `tool` and hands it the input; the result comes from `result` or a real call. */
async function mount(tool: string, args: Rec, result?: CallToolResult, script?: Record<string, CallToolResult[]>): Promise<number> {
  const t = tools.get(tool);
  if (!t) throw new Error(`no tool ${tool}`);
  const uri = getToolUiResourceUri(t);
  if (!uri) throw new Error(`${tool} links no view`);
  const { html, csp } = await viewHtml(uri);
  const id = nextView++;
  if (script) scripts.set(id, new Map(Object.entries(script)));

  const card = document.createElement("div");
  card.className = "card";
  card.dataset.view = String(id);
  const bar = document.createElement("div");
  bar.className = "bar";
  const label = document.createElement("span");
  label.textContent = `${tool}(${JSON.stringify(args)})`;
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "Close";
  close.addEventListener("click", () => void teardown(id));
  bar.append(label, close);
  const iframe = document.createElement("iframe");
  iframe.setAttribute("sandbox", "allow-scripts"); // an opaque origin: no cookies, no storage, no parent DOM
  iframe.title = `KTRDR ${tool}`;
  iframe.dataset.view = String(id);
  card.append(bar, iframe);
  $("views").prepend(card);

  const context: McpUiHostContext = {
    theme,
    displayMode: "inline",
    availableDisplayModes: ["inline"],
    platform: "web",
    locale: "en-US",
    toolInfo: { tool: t },
  };
  const bridge = new AppBridge(
    client,
    { name: "ktrdr-test-host", version: "1.0.0" },
    { serverTools: {}, serverResources: {}, logging: {} },
    { hostContext: context },
  );
  bridge.addEventListener("sizechange", ({ height }) => {
    if (height) iframe.style.height = `${Math.min(height, 2000)}px`;
  });
  const initialized = new Promise<void>((r) => bridge.addEventListener("initialized", () => r()));
  const view: View = { id, tool, args, bridge, card, iframe, torn: false, context };
  views.set(id, view);
  await bridge.connect(new PostMessageTransport(iframe.contentWindow!, iframe.contentWindow!));
  // connect() installed a pass-through; this one also enforces _meta.ui.visibility (the spec's
  // MUST, which AppBridge leaves to the host) and logs every call a view makes.
  bridge.oncalltool = async (params, extra) => {
    const entry: CallLog = { view: id, name: params.name, args: (params.arguments ?? {}) as Rec, at: Date.now() };
    calls.push(entry);
    const scripted = scripts.get(id);
    if (scripted) {
      const queue = scripted.get(params.name);
      const r: CallToolResult = (queue && queue.length > 1 ? queue.shift() : queue?.[0]) ?? {
        isError: true,
        content: [{ type: "text", text: `No scripted answer for ${params.name}` }],
      };
      entry.isError = r.isError === true;
      entry.ms = 0;
      return r;
    }
    const target = tools.get(params.name);
    const visibility = (target?._meta as { ui?: { visibility?: string[] } } | undefined)?.ui?.visibility;
    if (!target || (visibility && !visibility.includes("app"))) {
      entry.refused = "not callable from the app";
      throw new Error(`Tool ${params.name} is not callable from the app`);
    }
    try {
      const r = (await client.callTool(params, { signal: extra.mcpReq.signal, timeout: 120_000 })) as CallToolResult;
      entry.isError = r.isError === true;
      return r;
    } finally {
      entry.ms = Date.now() - entry.at;
    }
  };
  iframe.srcdoc = html.replace(/<head>/i, (m) => `${m}<meta http-equiv="Content-Security-Policy" content="${cspFor(csp)}">`);
  await initialized;
  await bridge.sendToolInput({ arguments: args });
  const r = result ?? ((await client.callTool({ name: tool, arguments: args }, { timeout: 120_000 })) as CallToolResult);
  if (!view.torn) await bridge.sendToolResult(r);
  return id;
}

async function teardown(id: number): Promise<void> {
  const v = views.get(id);
  if (!v || v.torn) return;
  v.torn = true;
  try {
    await v.bridge.teardownResource({}, { timeout: 5000 });
  } catch {
    // a view that does not answer is removed all the same
  }
  await v.bridge.close().catch(() => {});
  v.card.remove();
  views.delete(id);
  scripts.delete(id);
}

function setTheme(next: Theme): void {
  theme = next;
  document.body.classList.toggle("dark", theme === "dark");
  for (const v of views.values()) {
    if (v.torn) continue;
    v.context = { ...v.context, theme };
    v.bridge.setHostContext(v.context);
  }
}

/** Hides a view (display: none), as a host does when it scrolls away or collapses it. */
function setHidden(id: number, hidden: boolean): void {
  views.get(id)?.card.classList.toggle("hidden", hidden);
}

async function listRecent(): Promise<void> {
  const box = $("ops");
  const r = (await client.callTool({ name: "list_operations", arguments: { limit: 8 } })) as CallToolResult;
  const rows = ((r.structuredContent as { data?: Rec[] } | undefined)?.data ?? []) as Rec[];
  box.replaceChildren();
  if (!rows.length) box.textContent = "No operations yet.";
  for (const row of rows) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = `${String(row.operation_type)} · ${String(row.status)} · ${String(row.operation_id)}`;
    b.addEventListener("click", () => void mount("get_operation_status", { operation_id: row.operation_id }));
    box.append(b);
  }
}

const host = {
  ready: false,
  error: undefined as string | undefined,
  mcpUrl,
  era: "",
  calls,
  /** Calls the tool for real and shows its result in a new view; resolves with the view's id. */
  show: (tool: string, args: Rec = {}) => mount(tool, args),
  /** Shows a given result (no call), as a host replaying a transcript would. */
  showResult: (tool: string, args: Rec, result: CallToolResult) => mount(tool, args, result),
  /** Shows a given result and answers the view's calls from `script` (tool → results; the last repeats). */
  showScripted: (tool: string, args: Rec, result: CallToolResult, script: Record<string, CallToolResult[]>) =>
    mount(tool, args, result, script),
  /** Replaces the scripted answers of one tool for a scripted view (the next state of its operation). */
  script: (view: number, tool: string, results: CallToolResult[]) => void scripts.get(view)?.set(tool, [...results]),
  teardown,
  teardownAll: () => Promise.all([...views.keys()].map(teardown)),
  setTheme,
  setHidden,
  callsOf: (view: number) => calls.filter((c) => c.view === view),
};
(window as unknown as { host: typeof host }).host = host;

async function main(): Promise<void> {
  $("server").textContent = mcpUrl;
  document.body.classList.toggle("dark", theme === "dark");
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
  host.era = `${client.getProtocolEra?.() ?? "legacy"} ${client.getNegotiatedProtocolVersion?.() ?? ""}`.trim();
  const caps = client.getServerCapabilities() as { extensions?: Rec } | undefined;
  if (!caps?.extensions?.["io.modelcontextprotocol/ui"]) throw new Error("the server does not advertise io.modelcontextprotocol/ui");
  tools = new Map((await client.listTools()).tools.map((t) => [t.name, t]));
  $("status").textContent = `connected (${host.era})`;
  $("show").addEventListener("click", () => {
    const id = ($("opid") as HTMLInputElement).value.trim();
    if (id) void mount("get_operation_status", { operation_id: id });
  });
  $("refresh").addEventListener("click", () => void listRecent());
  $("theme").addEventListener("click", () => setTheme(theme === "dark" ? "light" : "dark"));
  host.ready = true;
  const op = q.get("op");
  if (op) {
    ($("opid") as HTMLInputElement).value = op;
    await mount("get_operation_status", { operation_id: op });
  }
  await listRecent();
}

main().catch((err: unknown) => {
  host.error = err instanceof Error ? err.message : String(err);
  $("status").textContent = `error: ${host.error}`;
  $("status").className = "error";
});
