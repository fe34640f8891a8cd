/** Polls an async assertion until it passes or the timeout ends; fails with the last error. */
export async function eventually<T>(
  check: () => Promise<T>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const message = last instanceof Error ? last.message : String(last);
      throw new Error(`not true after ${timeoutMs} ms: ${message}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
