/** Polls `read` until `done` holds, for at most `ms`; the error names what was awaited and the last value seen. */
export async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms: number, what: string, everyMs = 250): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v).slice(0, 300)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
