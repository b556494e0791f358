// Placeholder view (the operation view is being built): shows the tool result it was given.
const app = document.getElementById("app");
window.addEventListener("message", (e: MessageEvent) => {
  const m = e.data as { method?: string; params?: { structuredContent?: Record<string, unknown> } };
  if (m?.method === "ui/notifications/tool-result" && app) app.textContent = JSON.stringify(m.params?.structuredContent ?? {});
});
