import type { FastifyInstance } from 'fastify';

/** Signs in to the operators' console with `token` (POST /ops/console/session): the session id its cookie holds. */
export async function consoleSession(app: FastifyInstance, token: string): Promise<string> {
  const reply = await app.inject({
    method: 'POST',
    url: '/ops/console/session',
    headers: { authorization: `Bearer ${token}` },
  });
  if (reply.statusCode !== 200) throw new Error(`sign-in refused: ${reply.statusCode} ${reply.body}`);
  const cookies = [reply.headers['set-cookie'] ?? []].flat();
  const session = cookies.map((c) => /^sne_session=([^;]+);/.exec(c)?.[1]).find(Boolean);
  if (!session) throw new Error(`no session cookie in ${JSON.stringify(cookies)}`);
  return session;
}
