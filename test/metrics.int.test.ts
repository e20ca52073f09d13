import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { enregistrement, radiation, sendLot } from './helpers/spt.ts';

/** GET /metrics: Prometheus text that parses, for operators only, and that moves with the traffic. */
let hub: TestHub;
let bailleur: string;
let operator: string;

type Samples = Map<string, number>;

/**
 * A strict reader of the Prometheus text format 0.0.4: every line is a comment (`# HELP`, `# TYPE`)
 * or `name{label="value",…} number`; each sample's family has its TYPE. Keys are `name{labels}`
 * with the labels sorted.
 */
function parse(text: string): Samples {
  const samples: Samples = new Map();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment) {
      if (comment[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(comment[3]);
        types.set(comment[2] as string, comment[3] as string);
      }
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+]+|NaN|\+Inf|-Inf)$/.exec(line);
    expect(sample, `not a sample: ${line}`).not.toBeNull();
    const [, name, rawLabels, value] = sample as unknown as [string, string, string | undefined, string];
    const labels = [...(rawLabels ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .map((m) => `${m[1]}=${m[2]}`)
      .sort();
    const family = name.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(name) || types.has(family), `no TYPE for ${name}`).toBe(true);
    samples.set(`${name}{${labels.join(',')}}`, Number(value));
  }
  return samples;
}

async function scrape(token = operator): Promise<Samples> {
  const reply = await hub.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${token}` },
  });
  expect(reply.statusCode, reply.body).toBe(200);
  expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(reply.body);
}

const value = (samples: Samples, key: string) => samples.get(key) ?? 0;

beforeAll(async () => {
  hub = await startTestHub();
  bailleur = await provision(hub.app, { id: 'lille-habitat', role: 'bailleur', codeGuichet: 'LH59A' });
  operator = await provision(hub.app, { id: 'ops', role: 'operator', departements: ['*'] });
});

afterAll(async () => {
  await hub?.close();
});

describe('GET /metrics', () => {
  it('answers 401 without a token and 403 to every other role', async () => {
    const anonymous = await hub.app.inject({ method: 'GET', url: '/metrics' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toContain('application/problem+json');
    for (const token of [
      bailleur,
      await provision(hub.app, { id: 'mairie', role: 'guichet', codeGuichet: 'ML59A' }),
      await provision(hub.app, { id: 'stats', role: 'infocentre' }),
    ]) {
      const reply = await hub.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(reply.statusCode).toBe(403);
      expect(reply.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
  });

  it('reports every queue by state, and moves when messages are applied or fail', async () => {
    const before = await scrape();
    for (const queue of ['sne-apply', 'sne-webhooks', 'sne-maintenance', 'sne-rpls', 'sne-ops']) {
      expect(before.has(`sne_queue_jobs{queue=${queue},state=waiting}`), queue).toBe(true);
    }
    const out = await sendLot(
      hub.app,
      bailleur,
      enregistrement({ id: 'M1', nom: 'Metrique', dateDepot: '2014-03-01' }),
      enregistrement({ id: 'M2', nom: 'Mesure', dateDepot: '2014-03-01' }),
      radiation('M3', '0590314999999LH59A', 'abandon', '2014-04-01'),
    );
    expect([out.M1?.status, out.M2?.status, out.M3?.status]).toEqual(['applied', 'applied', 'failed']);
    const after = await scrape();
    const applied = 'sne_messages{status=applied,system=spt}';
    const failed = 'sne_messages{status=failed,system=spt}';
    expect(value(after, applied) - value(before, applied)).toBe(2);
    expect(value(after, failed) - value(before, failed)).toBe(1);
    // Nothing is left accepted or processing: the counters followed each message through.
    expect(value(after, 'sne_messages{status=accepted,system=spt}')).toBe(0);
    expect(value(after, 'sne_messages{status=processing,system=spt}')).toBe(0);
    expect(
      value(after, 'sne_apply_latency_seconds_count{}') - value(before, 'sne_apply_latency_seconds_count{}'),
    ).toBe(3);
    expect(value(after, 'sne_apply_latency_seconds_bucket{le=+Inf}')).toBe(
      value(after, 'sne_apply_latency_seconds_count{}'),
    );
    expect(after.get('sne_apply_latency_seconds_sum{}')).toBeGreaterThan(0);
    const lots = 'sne_http_requests_total{method=POST,route=/connectors/spt/v2/lots,status=202}';
    expect(value(after, lots) - value(before, lots)).toBe(1);
    expect(
      value(after, 'sne_http_requests_total{method=GET,route=/metrics,status=200}'),
    ).toBeGreaterThanOrEqual(1);
  });

  it('counts what the database holds, whatever the number of scrapes (deltas folded, not lost)', async () => {
    await scrape();
    await scrape();
    const samples = await scrape();
    const { rows } = await hub.pool.query<{ system: string; status: string; n: number }>(
      'SELECT system, status, count(*)::int AS n FROM messages GROUP BY 1, 2',
    );
    for (const { system, status, n } of rows) {
      expect(value(samples, `sne_messages{status=${status},system=${system}}`), `${system} ${status}`).toBe(
        n,
      );
    }
    const folded = await hub.pool.query(
      `SELECT count(*)::int AS n FROM metric_counts WHERE metric = 'messages'`,
    );
    expect(folded.rows[0].n).toBe(rows.length);
  });

  it('shows the last run of each sweep', async () => {
    const reply = await hub.app.inject({
      method: 'POST',
      url: '/ops/sweeps/renouvellement',
      headers: { authorization: `Bearer ${operator}` },
      payload: { asOf: '2015-04-01' },
    });
    expect(reply.statusCode).toBe(200);
    const { preavis, radiees } = reply.json();
    expect(radiees).toBe(2);
    const samples = await scrape();
    expect(samples.get('sne_sweep_last_result{result=radiees,sweep=renouvellement}')).toBe(radiees);
    expect(samples.get('sne_sweep_last_result{result=preavis,sweep=renouvellement}')).toBe(preavis);
    expect(samples.get('sne_sweep_last_run_timestamp_seconds{sweep=renouvellement}')).toBeGreaterThan(0);
  });
});
