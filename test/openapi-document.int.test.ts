import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Parser } from '@asyncapi/parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_TAGS } from '../services/api/openapi/tags.ts';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';
import { OpenApiValidator } from './helpers/openapi-validator.ts';
import { enregistrement, lot } from './helpers/spt.ts';

/**
 * The OpenAPI document tells the truth (issue 10, defect 5): every operation grouped, summarised and
 * named; the Redocly linter finds no error; the replies the SPT routes really give, XML receipt
 * included, conform to it; the AsyncAPI document parses clean.
 */
let hub: TestHub;
let validator: OpenApiValidator;
let token: string;

interface Operation {
  summary?: string;
  tags?: string[];
  operationId?: string;
  responses: Record<string, unknown>;
  requestBody?: { content: Record<string, unknown> };
}
interface Document {
  servers?: { url: string }[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
}
let doc: Document;

beforeAll(async () => {
  hub = await startTestHub({ workers: false, env: { SNE_PUBLIC_URL: 'https://sne-hub.example.gouv.fr' } });
  validator = await OpenApiValidator.of(hub.app);
  doc = validator.document as unknown as Document;
  token = await provision(hub.app, { id: 'doc-guichet', role: 'guichet', codeGuichet: 'DOCGU' });
});

afterAll(async () => {
  await hub?.close();
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      key: `${method.toUpperCase()} ${path}`,
      operation,
    })),
  );

describe('the OpenAPI document', () => {
  it('gives every operation a summary, one described tag and a unique operationId', () => {
    const described = new Set((doc.tags ?? []).filter((tag) => tag.description).map((tag) => tag.name));
    expect([...described].sort()).toEqual(OPENAPI_TAGS.map((tag) => tag.name).sort());
    const missing = operations().flatMap(({ key, operation }) => [
      ...(operation.summary ? [] : [`${key}: no summary`]),
      ...(operation.tags?.length === 1 && described.has(operation.tags[0] ?? '')
        ? []
        : [`${key}: tags ${operation.tags}`]),
      ...(operation.operationId ? [] : [`${key}: no operationId`]),
    ]);
    expect(missing).toEqual([]);
    const ids = operations().map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.servers).toEqual([expect.objectContaining({ url: 'https://sne-hub.example.gouv.fr' })]);
  });

  it('documents a 4xx on every operation but the probes, and 401/403 wherever a token is needed', () => {
    const gaps = operations().flatMap(({ key, operation }) => {
      const statuses = Object.keys(operation.responses);
      const secured = (operation as { security?: unknown[] }).security?.length;
      return [
        ...(key.includes('/health/') || statuses.some((s) => s.startsWith('4')) ? [] : [`${key}: no 4xx`]),
        ...(secured && !(statuses.includes('401') && statuses.includes('403')) ? [`${key}: no 401/403`] : []),
      ];
    });
    expect(gaps).toEqual([]);
    expect(Object.keys(doc.paths['/admin/clients/{id}']?.delete?.responses ?? {})).toContain('204');
  });

  it('passes the Redocly linter (recommended rules) without an error, offline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sne-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(doc));
      const cli = new URL('../node_modules/@redocly/cli/bin/cli.js', import.meta.url).pathname;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [cli, 'lint', file, '--format=json', '--extends=recommended'],
        {
          // No telemetry, no update check: the test runs without a network.
          env: {
            ...process.env,
            REDOCLY_TELEMETRY: 'off',
            REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
            CI: 'true',
          },
          timeout: 60_000,
        },
      ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
      const report = JSON.parse(stdout) as {
        totals: { errors: number };
        problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
      };
      const errors = report.problems
        .filter((problem) => problem.severity === 'error')
        .map((problem) => `${problem.ruleId} ${problem.location[0]?.pointer}: ${problem.message}`);
      expect(errors).toEqual([]);
      expect(report.totals.errors).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('describes the SPT lot routes as they answer: XML body, JSON or XML receipt, 400/413/415', async () => {
    const operation = doc.paths['/connectors/spt/v2/lots']?.post;
    expect(Object.keys(operation?.requestBody?.content ?? {}).sort()).toEqual([
      'application/xml',
      'text/xml',
    ]);
    const send = (payload: string, headers: Record<string, string> = {}) =>
      validator.inject({
        method: 'POST',
        url: '/connectors/spt/v2/lots',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml', ...headers },
        payload,
      });
    const good = lot(enregistrement({ id: 'D-1', ref: 'DOC-1' }));
    expect((await send(good)).statusCode).toBe(202);
    const xml = await send(lot(enregistrement({ id: 'D-2', ref: 'DOC-2' })), { accept: 'application/xml' });
    expect(xml.statusCode).toBe(202);
    expect(xml.body).toContain('<accuse');
    expect((await send('<lot xmlns="urn:sne:spt:2"><enregistrement')).statusCode).toBe(400);
    expect((await send('{}', { 'content-type': 'application/json' })).statusCode).toBe(415);
    const huge = `<lot xmlns="urn:sne:spt:2">${' '.repeat(hub.config.lotMaxBytes)}</lot>`;
    expect((await send(huge)).statusCode).toBe(413);
  });

  it('catches a reply the document does not describe (the validator can fail)', async () => {
    const reply = await hub.app.inject({ method: 'GET', url: '/health/live' });
    expect(validator.problems('GET', '/health/live', reply)).toEqual([]);
    const teapot = { ...reply, statusCode: 418 } as typeof reply;
    expect(validator.problems('GET', '/health/live', teapot)).toEqual([
      'GET /health/live: status 418 is not documented',
    ]);
    const wrongBody = { ...reply, body: '{"status":"ko"}', json: () => ({ status: 'ko' }) } as typeof reply;
    expect(validator.problems('GET', '/health/live', wrongBody)).toEqual([
      'GET /health/live 200: body/status must be equal to one of the allowed values',
    ]);
    expect(validator.problems('GET', '/nowhere', reply)).toEqual([
      'GET /nowhere: no operation in the document',
    ]);
  });
});

describe('the integration tests', () => {
  it('check each reply of their hub against the document as it is sent', async () => {
    const before = hub.replies?.checked ?? 0;
    await hub.app.inject({
      method: 'GET',
      url: '/sne/demandes',
      headers: { authorization: `Bearer ${token}` },
    });
    await hub.app.inject({
      method: 'GET',
      url: '/sne/demandes?limit=0',
      headers: { authorization: `Bearer ${token}` },
    });
    expect((hub.replies?.checked ?? 0) - before).toBe(2);
    expect(hub.replies?.problems).toEqual([]);
  });
});

describe('the AsyncAPI document', () => {
  it('parses without an error with the AsyncAPI parser', async () => {
    const reply = await hub.app.inject({ method: 'GET', url: '/asyncapi.json' });
    const { document, diagnostics } = await new Parser().parse(reply.body);
    // Spectral severities: 0 is an error (1 warning, 2 information, 3 hint).
    const errors = diagnostics
      .filter((d) => d.severity === 0)
      .map((d) => `${d.path.join('/')}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document).toBeDefined();
  });
});
