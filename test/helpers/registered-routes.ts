import type { FastifyInstance } from 'fastify';

/**
 * Every route the app serves, as `METHOD /url` (HEAD twins left out), read from Fastify's own
 * route tree: a test that must cover every route can then fail when one is added without it.
 */
export function registeredRoutes(app: FastifyInstance): string[] {
  const tree = app.printRoutes({ commonPrefix: false });
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    // `│   ├── /segment (GET, HEAD)`: four characters of drawing per level, then the segment.
    const match = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1]?.length ?? 0) / 4;
    stack.length = depth;
    stack.push(match[2] ?? '');
    const url = stack.join('');
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) {
      if (method !== 'HEAD') routes.push(`${method} ${url}`);
    }
  }
  return routes.sort();
}
