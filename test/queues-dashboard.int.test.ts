import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAINTENANCE_QUEUE } from '../services/pipeline/queues.ts';
import { ADMIN_TOKEN, provision, startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

/** The queues' dashboard at /ops/queues: bull-board, operators only, usable from a browser, read-write. */
let hub: TestHub;
let operator: string;
let bailleur: string;

const basic = (token: string) => ({
  authorization: `Basic ${Buffer.from(`ops:${token}`).toString('base64')}`,
});
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  hub = await startTestHub({ workers: false });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
  bailleur = await provision(hub.app, { id: 'lille-habitat', role: 'bailleur', codeGuichet: 'LH59A' });
});

afterAll(async () => {
  await hub?.close();
});

describe('the queues dashboard', () => {
  it('asks a browser for credentials (401 Basic), and refuses every role but operator', async () => {
    for (const url of ['/ops/queues', '/ops/queues/api/queues', '/ops/queues/static/favicon-32x32.png']) {
      const anonymous = await hub.app.inject({ method: 'GET', url });
      expect(anonymous.statusCode, url).toBe(401);
      expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm="sne-hub operators"/);
      expect(anonymous.headers['content-type']).toContain('application/problem+json');
      expect(anonymous.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
      const unknown = await hub.app.inject({ method: 'GET', url, headers: basic('not-a-token') });
      expect(unknown.statusCode).toBe(401);
      for (const headers of [basic(bailleur), bearer(bailleur), bearer(ADMIN_TOKEN)]) {
        const reply = await hub.app.inject({ method: 'GET', url, headers });
        expect(reply.statusCode, url).toBe(403);
        expect(reply.json()).toMatchObject({ code: 'FORBIDDEN' });
      }
    }
  });

  it("serves the page, its assets and its API with the operator's token, Basic or Bearer", async () => {
    const page = await hub.app.inject({ method: 'GET', url: '/ops/queues', headers: basic(operator) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    // Assets are named relative to <base href="/ops/queues/">: the browser sends the same credentials.
    expect(page.body).toMatch(/<base href="\/ops\/queues\/?"/);
    const assets = [...page.body.matchAll(/(?:src|href)="(static\/[^"]+)"/g)].map(
      (m) => `/ops/queues/${m[1]}`,
    );
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const reply = await hub.app.inject({ method: 'GET', url: asset, headers: basic(operator) });
      expect(reply.statusCode, asset).toBe(200);
    }
    const api = await hub.app.inject({
      method: 'GET',
      url: '/ops/queues/api/queues',
      headers: bearer(operator),
    });
    expect(api.statusCode).toBe(200);
    const names = api.json<{ queues: { name: string }[] }>().queues.map((q) => q.name);
    expect(names.sort()).toEqual(['sne-apply', 'sne-maintenance', 'sne-ops', 'sne-rpls', 'sne-webhooks']);
  });

  it('retries a failed job and removes a done one', async () => {
    const queue = hub.app.hubQueues.find((q) => q.name === MAINTENANCE_QUEUE);
    if (!queue) throw new Error('no maintenance queue');
    // A worker that fails once then succeeds, as a sweep would after its database came back.
    let calls = 0;
    const worker = new Worker(
      MAINTENANCE_QUEUE,
      async () => {
        calls++;
        if (calls === 1) throw new Error('database away');
      },
      { connection: hub.infrastructure.redis.duplicate(), prefix: hub.config.queuePrefix },
    );
    try {
      const job = await queue.add('renouvellement', { kind: 'renouvellement', asOf: '2014-01-01' });
      await waitFor(async () =>
        (await queue.getJobState(job.id as string)) === 'failed' ? true : undefined,
      );
      const retry = await hub.app.inject({
        method: 'PUT',
        url: `/ops/queues/api/queues/${MAINTENANCE_QUEUE}/${job.id}/retry`,
        headers: basic(operator),
      });
      expect(retry.statusCode, retry.body).toBe(204);
      await waitFor(async () =>
        (await queue.getJobState(job.id as string)) === 'completed' ? true : undefined,
      );
      const clean = await hub.app.inject({
        method: 'PUT',
        url: `/ops/queues/api/queues/${MAINTENANCE_QUEUE}/${job.id}/clean`,
        headers: basic(operator),
      });
      expect(clean.statusCode, clean.body).toBe(204);
      expect(await queue.getJobState(job.id as string)).toBe('unknown');
      const { rows } = await hub.pool.query(
        `SELECT actor, action, target, reason, details FROM audit WHERE action LIKE 'queues.%' ORDER BY id`,
      );
      expect(rows).toEqual([
        {
          actor: 'ops',
          action: 'queues.retry',
          target: `${MAINTENANCE_QUEUE}/${job.id}`,
          reason: null,
          details: { via: 'queues dashboard' },
        },
        {
          actor: 'ops',
          action: 'queues.clean',
          target: `${MAINTENANCE_QUEUE}/${job.id}`,
          reason: null,
          details: { via: 'queues dashboard' },
        },
      ]);
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
    }
  });

  it('refuses every other action (pause, add, empty, obliterate, promote…), and audits a bulk clean with its reason', async () => {
    const apply = 'sne-apply';
    const refused = [
      ['PUT', `/ops/queues/api/queues/${apply}/pause`],
      ['PUT', '/ops/queues/api/queues/pause'],
      ['POST', `/ops/queues/api/queues/${apply}/add`],
      ['PUT', `/ops/queues/api/queues/${apply}/empty`],
      ['PUT', `/ops/queues/api/queues/${apply}/obliterate`],
      ['PUT', `/ops/queues/api/queues/${apply}/promote`],
      ['PATCH', `/ops/queues/api/queues/${apply}/some-job/update-data`],
    ] as const;
    for (const [method, url] of refused) {
      const reply = await hub.app.inject({ method, url, headers: bearer(operator), payload: {} });
      expect(reply.statusCode, `${method} ${url}`).toBe(403);
      expect(reply.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
    const queue = hub.app.hubQueues.find((q) => q.name === apply);
    expect(await queue?.isPaused()).toBe(false);
    expect(await queue?.count()).toBe(0);

    const clean = await hub.app.inject({
      method: 'PUT',
      url: `/ops/queues/api/queues/${apply}/clean/completed`,
      headers: { ...bearer(operator), 'x-audit-reason': 'old jobs' },
    });
    expect(clean.statusCode, clean.body).toBe(200);
    const { rows } = await hub.pool.query(
      `SELECT action, target, reason, details FROM audit WHERE action LIKE 'queues.%' AND target = $1`,
      [apply],
    );
    expect(rows).toEqual([
      {
        action: 'queues.clean',
        target: apply,
        reason: 'old jobs',
        details: { via: 'queues dashboard', state: 'completed' },
      },
    ]);
    // Refused actions left no line.
    const { rows: all } = await hub.pool.query(
      `SELECT count(*)::int AS n FROM audit WHERE action LIKE 'queues.%'`,
    );
    expect(all[0].n).toBe(3);
  });
});
