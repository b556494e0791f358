// Types of `import { env, exports } from "cloudflare:workers"` inside the worker test project.
declare namespace Cloudflare {
  interface Env extends import("../../src/env").Env {}
  interface Exports {
    default: { fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> };
  }
}

// Vite's `import.meta.glob` (the worker tests load the real-KTRDR recordings with it).
interface ImportMeta {
  glob<T = unknown>(pattern: string, options: { eager: true }): Record<string, T>;
}
