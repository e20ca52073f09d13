import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './helpers/hub.ts';

/** The documents served by the hub: generated from the schemas the routes and events validate with. */
let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({ workers: false });
});

afterAll(async () => {
  await hub?.close();
});

/** Every local `$ref` of a document points at something that exists in it. */
function danglingRefs(document: unknown): string[] {
  const missing: string[] = [];
  const resolve = (ref: string) =>
    ref
      .slice(2)
      .split('/')
      .reduce<unknown>(
        (node, key) => (node as Record<string, unknown> | undefined)?.[key.replaceAll('~1', '/')],
        document,
      );
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (
        key === '$ref' &&
        typeof value === 'string' &&
        value.startsWith('#/') &&
        resolve(value) === undefined
      ) {
        missing.push(value);
      }
      walk(value);
    }
  };
  walk(document);
  return missing;
}

describe('documentation', () => {
  it('serves an OpenAPI 3.1 document of every route, without authentication', async () => {
    const reply = await hub.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(reply.statusCode).toBe(200);
    const doc = reply.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/connectors/spt/v2/lots',
      '/connectors/spt/v1/lots',
      '/connectors/pgp/v1/demandes',
      '/connectors/dalo/v1/decisions',
      '/connectors/contingent/v1/designations',
      '/connectors/rpls/v1/imports',
      '/parc/logements/{identifiant}',
      '/feeds/events',
      '/messages/{messageId}',
      '/sne/demandes/{numeroUnique}',
      '/admin/clients',
    ]) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
    expect(doc.paths['/feeds/events']?.get).toMatchObject({ security: [{ bearer: [] }] });
    expect(doc.paths['/health/live']?.get).toMatchObject({ security: [] });
    expect(danglingRefs(doc)).toEqual([]);
  });

  it('serves the browsable documentation at /docs', async () => {
    const reply = await hub.app.inject({ method: 'GET', url: '/docs/' });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toContain('text/html');
  });

  it('serves an AsyncAPI 3 document with one message per event type', async () => {
    const reply = await hub.app.inject({ method: 'GET', url: '/asyncapi.json' });
    expect(reply.statusCode).toBe(200);
    const doc = reply.json<{
      asyncapi: string;
      components: { messages: Record<string, { name: string }> };
    }>();
    expect(doc.asyncapi).toBe('3.0.0');
    // The types interfaces.md §9 lists, spelled here: the code's own list would agree with itself.
    expect(
      Object.values(doc.components.messages)
        .map((m) => m.name)
        .sort(),
    ).toEqual(
      [
        'demande.enregistree',
        'demande.modifiee',
        'demande.renouvelee',
        'demande.radiee',
        'demande.reactivee',
        'demande.dalo-decision',
        'demande.labellisee',
        'designation.creee',
        'renouvellement.preavis',
      ]
        .map((name) => `fr.sne.${name}.v1`)
        .sort(),
    );
    expect(danglingRefs(doc)).toEqual([]);
  });
});
