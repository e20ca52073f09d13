import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MOTIF_DEMANDE_CODES,
  MOTIF_RADIATION_CODES,
  NATIONALITE_CODES,
  SOUS_MOTIF_CODES,
} from '../../connectors/spt/v1/codes.ts';
import { sptV1 } from '../../connectors/spt/v1/version.ts';
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
 * What the SPT examples and schemas promise beyond validating and mapping (which the contract
 * registry test, `../registry.test.ts`, checks for every version).
 */
const VERSIONS: readonly SptVersion[] = [sptV2, sptV1];

function readExamples(version: SptVersion, file?: string) {
  const directory = new URL(`./${version.name}/examples/`, import.meta.url);
  const decoder = version.createDecoder({});
  const files = file ? [file] : readdirSync(directory).filter((name) => name.endsWith('.xml'));
  return files.flatMap((name) => decoder.readLot(readFileSync(new URL(name, directory))));
}

describe.each(VERSIONS.map((version) => [version.name, version] as const))(
  'SPT %s examples',
  (_, version) => {
    it('hold every message type', () => {
      const types = new Set(readExamples(version).map((message) => message.type));
      expect([...types].sort()).toEqual([
        'attribution',
        'enregistrement',
        'modification',
        'radiation',
        'renouvellement',
      ]);
    });

    it('replay alone: what an operator sees as raw decodes to the same command', () => {
      const decoder = version.createDecoder({});
      for (const message of readExamples(version)) {
        expect(decoder.readMessage(message.raw).command).toStrictEqual(message.command);
      }
    });
  },
);

describe('accented names are decoded whatever the encoding', () => {
  it('v2 in ISO-8859-1 and windows-1252', () => {
    expect(readExamples(sptV2, 'lot-iso-8859-1.xml')[0]?.command).toMatchObject({
      demandeur: { nom: 'Lefèvre', prenom: 'Hélène' },
    });
    expect(readExamples(sptV2, 'lot-windows-1252.xml')[0]?.command).toMatchObject({
      demandeur: { nom: 'Cœur', adresse: '5 allée de l’Église, 59100 Roubaix' },
    });
  });

  it('v1 in ISO-8859-1 and UTF-8', () => {
    const latin1 = readExamples(sptV1, 'lot-complet.xml');
    expect(latin1[0]?.command).toMatchObject({ demandeur: { nom: 'DUPONT', prenom: 'Amélie' } });
    expect(latin1[1]?.command).toMatchObject({ demandeur: { nom: 'LEFÈVRE', prenom: 'Hélène-Françoise' } });
    expect(readExamples(sptV1, 'lot-utf-8.xml')[0]?.command).toMatchObject({
      demandeur: { nom: 'Saint-Pé', prenom: 'Jérôme' },
    });
  });
});

const schemaOf = (version: string, name: string) =>
  JSON.parse(readFileSync(new URL(`./${version}/${name}.schema.json`, import.meta.url), 'utf8'));

describe('SPT v2 schemas', () => {
  const defs = schemaOf('v2', 'common').$defs;

  it('use only values of the canonical model', () => {
    const subset = (values: string[], canonical: readonly string[]) =>
      expect(canonical).toEqual(expect.arrayContaining(values));
    subset(defs.nationalite.enum, NATIONALITES);
    subset(defs.typologie.enum, TYPOLOGIES);
    subset(defs.motifDemande.enum, MOTIFS_DEMANDE);
    subset(schemaOf('v2', 'radiation').properties.motif.enum, MOTIFS_RADIATION);
    subset(schemaOf('v2', 'radiation').properties.sousMotif.enum, SOUS_MOTIFS_IRRECEVABILITE);
    subset(schemaOf('v2', 'attribution').properties.contingent.enum, CONTINGENTS);
  });
});

describe('SPT v1 schemas', () => {
  const defs = schemaOf('v1', 'common').$defs;
  const radiation = schemaOf('v1', 'radiation').properties;

  it('list exactly the codes the mapper knows', () => {
    expect(defs.nationalite.enum).toEqual(Object.keys(NATIONALITE_CODES));
    expect(defs.motifDemande.enum).toEqual(Object.keys(MOTIF_DEMANDE_CODES).sort());
    expect(radiation.Motif.enum).toEqual(Object.keys(MOTIF_RADIATION_CODES));
    expect(radiation.SousMotif.enum).toEqual(Object.keys(SOUS_MOTIF_CODES));
  });
});
