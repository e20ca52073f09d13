import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { audit, contractFiles, describeFinding, publish } from './fingerprints.ts';

/** The fingerprint check on a small contracts folder of its own. */
let root: string;

function write(file: string, content: string): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), content);
}

const EVENT_SCHEMA = JSON.stringify({
  type: 'object',
  required: ['a'],
  properties: { a: { type: 'string' } },
});

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'contracts-'));
  write('spt/v1/radiation.schema.json', '{"type":"object"}');
  write('spt/v1/examples/lot.xml', '<LotDemandes version="1"/>');
  write('events/v1/demande.radiee.schema.json', EVENT_SCHEMA);
  write('spt/contracts.test.ts', '// not a contract file');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('contract fingerprints', () => {
  it('list the files of version folders only, examples included', () => {
    expect(contractFiles(root)).toEqual([
      'events/v1/demande.radiee.schema.json',
      'spt/v1/examples/lot.xml',
      'spt/v1/radiation.schema.json',
    ]);
  });

  it('report files not yet published, as a warning', () => {
    expect(audit(root).map((f) => f.kind)).toEqual(['unpublished', 'unpublished', 'unpublished']);
  });

  it('publish them, and then find nothing', () => {
    expect(publish(root).published).toHaveLength(3);
    expect(audit(root)).toEqual([]);
    const fingerprints = JSON.parse(readFileSync(join(root, 'fingerprints.json'), 'utf8'));
    expect(fingerprints['spt/v1/examples/lot.xml']).toMatch(/^[0-9a-f]{64}$/);
    // The published text of an event schema, to compare its later versions with.
    expect(readFileSync(join(root, 'events/.published/v1/demande.radiee.schema.json'), 'utf8')).toBe(
      EVENT_SCHEMA,
    );
  });

  it('publish only the folders named', () => {
    expect(publish(root, ['contracts/spt']).published).toEqual([
      'spt/v1/examples/lot.xml',
      'spt/v1/radiation.schema.json',
    ]);
    expect(audit(root)).toEqual([{ file: 'events/v1/demande.radiee.schema.json', kind: 'unpublished' }]);
  });

  it('fail on a published file edited or removed, naming it, and refuse to publish over it', () => {
    publish(root);
    write('spt/v1/radiation.schema.json', '{"type":"object","required":["x"]}');
    unlinkSync(join(root, 'spt/v1/examples/lot.xml'));
    const findings = audit(root);
    expect(findings).toEqual([
      { file: 'spt/v1/examples/lot.xml', kind: 'removed' },
      { file: 'spt/v1/radiation.schema.json', kind: 'edited' },
    ]);
    expect(describeFinding(findings[1] as (typeof findings)[number])).toBe(
      'contracts/spt/v1/radiation.schema.json was edited after publication: published contracts are never edited: add a new version folder.',
    );
    const before = readFileSync(join(root, 'fingerprints.json'), 'utf8');
    expect(publish(root).refused).toHaveLength(2);
    expect(readFileSync(join(root, 'fingerprints.json'), 'utf8')).toBe(before);
  });

  it('let an event schema evolve compatibly, and record it on publish', () => {
    publish(root);
    const next = JSON.stringify({
      type: 'object',
      required: ['a'],
      properties: { a: { type: 'string' }, b: {} },
    });
    write('events/v1/demande.radiee.schema.json', next);
    expect(audit(root)).toEqual([{ file: 'events/v1/demande.radiee.schema.json', kind: 'evolved' }]);
    expect(publish(root).published).toEqual(['events/v1/demande.radiee.schema.json']);
    expect(audit(root)).toEqual([]);
    expect(readFileSync(join(root, 'events/.published/v1/demande.radiee.schema.json'), 'utf8')).toBe(next);
  });

  it('refuse an incompatible event schema change, saying why', () => {
    publish(root);
    write('events/v1/demande.radiee.schema.json', JSON.stringify({ type: 'object', properties: {} }));
    expect(audit(root)).toEqual([
      { file: 'events/v1/demande.radiee.schema.json', kind: 'edited', problems: ['/properties/a: removed'] },
    ]);
    expect(publish(root, ['events']).refused).toHaveLength(1);
  });
});
