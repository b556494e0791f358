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

/** Resolves `p`, or fails after `ms` saying what it was waiting for. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
