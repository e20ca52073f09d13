import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sptV2 } from '../../connectors/spt/v2/version.ts';
import type { SptVersion } from '../../connectors/spt/version.ts';
import {
  CONTINGENTS,
  MOTIFS_DEMANDE,
  MOTIFS_RADIATION,
  NATIONALITES,
  SOUS_MOTIFS_IRRECEVABILITE,
  TYPOLOGIES,
} from '../../services/core/commands.ts';

/**
 * Contracts are append-only: every example of every published version must still validate and map
 * to a canonical command, through the same decoder the connector uses.
 */
const VERSIONS: readonly SptVersion[] = [sptV2];

describe.each(VERSIONS.map((version) => [version.name, version] as const))('SPT %s', (name, version) => {
  const directory = new URL(`./${name}/examples/`, import.meta.url);
  const examples = readdirSync(directory).filter((file) => file.endsWith('.xml'));
  const decoder = version.createDecoder({});

  it('has examples', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it.each(examples)('%s: every message validates and maps', (file) => {
    const messages = decoder.readLot(readFileSync(new URL(file, directory)));
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) {
      expect({ id: message.id, errors: message.errors }).toEqual({ id: message.id, errors: undefined });
      expect(message.command?.type).toBe(message.type);
      // What an operator sees as `raw` can be replayed alone.
      expect(decoder.readMessage(message.raw).command).toStrictEqual(message.command);
    }
  });
});

describe('SPT v2 examples', () => {
  const decoder = sptV2.createDecoder({});
  const read = (file: string) =>
    decoder.readLot(readFileSync(new URL(`./v2/examples/${file}`, import.meta.url)));

  it('hold every message type', () => {
    const types = new Set(
      readdirSync(new URL('./v2/examples/', import.meta.url)).flatMap((file) =>
        read(file).map((m) => m.type),
      ),
    );
    expect([...types].sort()).toEqual([
      'attribution',
      'enregistrement',
      'modification',
      'radiation',
      'renouvellement',
    ]);
  });

  it('decode their accented names whatever the encoding', () => {
    expect(read('lot-iso-8859-1.xml')[0]?.command).toMatchObject({
      demandeur: { nom: 'Lefèvre', prenom: 'Hélène' },
    });
    expect(read('lot-windows-1252.xml')[0]?.command).toMatchObject({
      demandeur: { nom: 'Cœur', adresse: '5 allée de l’Église, 59100 Roubaix' },
    });
  });
});

describe('SPT v2 schemas', () => {
  const schema = (name: string) =>
    JSON.parse(readFileSync(new URL(`./v2/${name}.schema.json`, import.meta.url), 'utf8'));
  const defs = schema('common').$defs;

  it('use only values of the canonical model', () => {
    const subset = (values: string[], canonical: readonly string[]) =>
      expect(canonical).toEqual(expect.arrayContaining(values));
    subset(defs.nationalite.enum, NATIONALITES);
    subset(defs.typologie.enum, TYPOLOGIES);
    subset(defs.motifDemande.enum, MOTIFS_DEMANDE);
    subset(schema('radiation').properties.motif.enum, MOTIFS_RADIATION);
    subset(schema('radiation').properties.sousMotif.enum, SOUS_MOTIFS_IRRECEVABILITE);
    subset(schema('attribution').properties.contingent.enum, CONTINGENTS);
  });
});
