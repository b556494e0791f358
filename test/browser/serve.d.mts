export function serveHostPage(o?: { port?: number; host?: string }): Promise<{
  origin: string;
  pageUrl: (q: Record<string, string | undefined>) => string;
  close: () => Promise<void>;
}>;
