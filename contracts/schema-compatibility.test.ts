import { describe, expect, it } from 'vitest';
import { incompatibilities } from './schema-compatibility.ts';

/** A data schema as the event contracts write them (draft-07, shared definitions). */
const PUBLISHED = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  allOf: [{ $ref: 'urn:sne:events:v1:common#/definitions/demande' }],
  type: 'object',
  required: ['motif', 'dateRadiation'],
  properties: {
    motif: { enum: ['attribution', 'abandon'] },
    dateRadiation: { $ref: 'urn:sne:events:v1:common#/definitions/date' },
    logement: { type: 'string' },
    menage: { type: 'object', properties: { nombrePersonnes: { type: 'integer' } } },
    communes: { type: 'array', items: { type: 'string' } },
  },
  definitions: { code: { type: 'string' } },
};

/** The published schema with `change` applied to a copy. */
function evolved(change: (schema: typeof PUBLISHED & Record<string, unknown>) => void) {
  const copy = structuredClone(PUBLISHED);
  change(copy);
  return copy;
}

describe('backward-compatible evolutions', () => {
  it.each([
    ['the same schema', () => {}],
    ['a new optional property', (s) => Object.assign(s.properties, { contingent: { type: 'string' } })],
    ['an enum extended', (s) => s.properties.motif.enum.push('non-reponse')],
    ['a required entry dropped', (s) => s.required.pop()],
    ['a type written as a list', (s) => Object.assign(s.properties.logement, { type: ['string'] })],
    ['additionalProperties loosened', (s) => Object.assign(s, { additionalProperties: true })],
    ['new descriptions and definitions', (s) => Object.assign(s, { description: 'x', $defs: { y: {} } })],
  ] as [string, (s: typeof PUBLISHED) => void][])('accepts %s', (_what, change) => {
    expect(incompatibilities(PUBLISHED, evolved(change))).toEqual([]);
  });
});

describe('incompatible changes', () => {
  it.each([
    [
      'a property removed',
      (s) => delete (s.properties as Partial<typeof s.properties>).logement,
      '/properties/logement: removed',
    ],
    [
      'a nested property removed',
      (s) => delete (s.properties.menage.properties as { nombrePersonnes?: unknown }).nombrePersonnes,
      '/properties/menage/properties/nombrePersonnes: removed',
    ],
    [
      'a type changed',
      (s) => Object.assign(s.properties.logement, { type: 'integer' }),
      '/properties/logement/type: changed from ["string"] to ["integer"]',
    ],
    [
      'an item type changed',
      (s) => Object.assign(s.properties.communes.items, { type: 'number' }),
      '/properties/communes/items/type: changed from ["string"] to ["number"]',
    ],
    ['a new required entry', (s) => s.required.push('logement'), '/required: new required entry "logement"'],
    [
      'an enum value removed',
      (s) => s.properties.motif.enum.shift(),
      '/properties/motif/enum: value "attribution" removed',
    ],
    [
      'an enum added',
      (s) => Object.assign(s.properties.logement, { enum: ['x'] }),
      '/properties/logement/enum: added, restricting the values',
    ],
    [
      'additionalProperties tightened',
      (s) => Object.assign(s, { additionalProperties: false }),
      '/additionalProperties: tightened from true to false',
    ],
    [
      'a $ref retargeted',
      (s) => Object.assign(s.properties.dateRadiation, { $ref: 'urn:x#/definitions/y' }),
      '/properties/dateRadiation/$ref: changed from urn:sne:events:v1:common#/definitions/date to urn:x#/definitions/y',
    ],
    ['a definition removed', (s) => Object.assign(s, { definitions: {} }), '/definitions/code: removed'],
    ['an allOf entry removed', (s) => Object.assign(s, { allOf: [] }), '/allOf/0: removed'],
  ] as [string, (s: typeof PUBLISHED) => void, string][])('refuses %s', (_what, change, problem) => {
    expect(incompatibilities(PUBLISHED, evolved(change))).toEqual([problem]);
  });

  it('reports every problem at once', () => {
    const next = evolved((s) => {
      s.required.push('logement');
      s.properties.motif.enum = ['autre'];
    });
    expect(incompatibilities(PUBLISHED, next)).toHaveLength(3);
  });
});
