/**
 * POSTs to hub API processes listening on `ports`, starting with `ports[first % ports.length]` and
 * going round them, until one answers below 500: a process that is down (connection refused or
 * reset) or a database that is restarting (503) only delays the request. Resending is safe: every
 * inbound message carries its sender's id, and the same id and content give the same messageId.
 */
export async function postUntilAnswered(
  ports: readonly number[],
  path: string,
  body: string,
  headers: Record<string, string>,
  first = 0,
  timeoutMs = 120_000,
): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = first; Date.now() < deadline; attempt++) {
    const port = ports[attempt % ports.length];
    try {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body, headers });
      if (response.status < 500) return response;
      await response.arrayBuffer();
    } catch {
      // That process is down: the next one is tried.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no API process answered POST ${path} within ${timeoutMs} ms`);
}
