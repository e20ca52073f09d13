import { describe, expect, it } from 'vitest';
import type { MessageError } from '../../../services/pipeline/inbound.ts';
import { createV2Decoder } from './decode.ts';

const decoder = createV2Decoder();

function lot(body: string): Buffer {
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><lot xmlns="urn:sne:spt:2">${body}</lot>`);
}

const ENREGISTREMENT = {
  departement: '<departement>59</departement>',
  dateDepot: '<dateDepot>2014-03-01</dateDepot>',
  demandeur:
    '<demandeur><nom>Dupont</nom><prenom>Amélie</prenom><dateNaissance>1985-04-12</dateNaissance><nationalite>FR</nationalite></demandeur>',
  menage: '<menage nombrePersonnes="3"/>',
  ressourcesMensuelles: '<ressourcesMensuelles>1450.00</ressourcesMensuelles>',
  typologie: '<typologie>T3</typologie>',
  communesSouhaitees: '<communesSouhaitees><commune rang="1">59350</commune></communesSouhaitees>',
  motif: '<motif>logement-trop-petit</motif>',
};

/** An enregistrement with some fields replaced (`undefined` removes one). */
function enregistrement(
  changes: Partial<Record<keyof typeof ENREGISTREMENT, string | undefined>> = {},
  id = 'E-1',
) {
  const fields = { ...ENREGISTREMENT, ...changes };
  return `<enregistrement id="${id}">${Object.values(fields).join('')}</enregistrement>`;
}

function errorsOf(element: string): MessageError[] | undefined {
  return decoder.readMessage(element).errors;
}

describe('SPT v2 messages, one by one', () => {
  it('accepts the reference enregistrement', () => {
    const message = decoder.readMessage(enregistrement());
    expect(message).toMatchObject({ id: 'E-1', type: 'enregistrement', raw: enregistrement() });
    expect(message.errors).toBeUndefined();
    expect(message.command?.type).toBe('enregistrement');
  });

  it.each([
    [{ typologie: '<typologie>T9</typologie>' }, '/typologie', /must be one of "chambre", "T1"/],
    [{ dateDepot: '<dateDepot>2014-02-30</dateDepot>' }, '/dateDepot', /real calendar date/],
    [{ dateDepot: '<dateDepot>01/03/2014</dateDepot>' }, '/dateDepot', /real calendar date/],
    [{ departement: '<departement>20</departement>' }, '/departement', /département code/],
    [{ departement: undefined }, '/departement', /is required/],
    [
      { ressourcesMensuelles: '<ressourcesMensuelles>1450,00</ressourcesMensuelles>' },
      '/ressourcesMensuelles',
      /with a point/,
    ],
    [
      { ressourcesMensuelles: '<ressourcesMensuelles>-5</ressourcesMensuelles>' },
      '/ressourcesMensuelles',
      /non-negative/,
    ],
    [{ menage: '<menage nombrePersonnes="0"/>' }, '/menage/nombrePersonnes', /1 to 20/],
    [{ menage: '<menage nombrePersonnes="21"/>' }, '/menage/nombrePersonnes', /1 to 20/],
    [{ menage: '<menage/>' }, '/menage', /must be object/],
    [
      {
        menage:
          '<menage nombrePersonnes="2"><personne><nom>A</nom><prenom>B</prenom><dateNaissance>2000-01-01</dateNaissance></personne></menage>',
      },
      '/menage/personnes/0/lien',
      /is required/,
    ],
    [
      {
        demandeur:
          '<demandeur><nom></nom><prenom>A</prenom><dateNaissance>1985-04-12</dateNaissance><nationalite>FR</nationalite></demandeur>',
      },
      '/demandeur/nom',
      /fewer than 1 characters/,
    ],
    [
      {
        demandeur:
          '<demandeur><nom>A</nom><prenom>B</prenom><dateNaissance>1985-04-12</dateNaissance><nationalite>France</nationalite></demandeur>',
      },
      '/demandeur/nationalite',
      /must be one of "FR", "UE", "HORS_UE"/,
    ],
    [
      {
        demandeur:
          '<demandeur><nom>A</nom><prenom>B</prenom><dateNaissance>1985-04-12</dateNaissance><nationalite>FR</nationalite><email>nope</email></demandeur>',
      },
      '/demandeur/email',
      /valid email/,
    ],
    [{ communesSouhaitees: '<communesSouhaitees/>' }, '/communesSouhaitees', /fewer than 1 items/],
    [
      { communesSouhaitees: '<communesSouhaitees><commune rang="1">5935</commune></communesSouhaitees>' },
      '/communesSouhaitees/0/code',
      /INSEE/,
    ],
    [
      { communesSouhaitees: '<communesSouhaitees><commune>59350</commune></communesSouhaitees>' },
      '/communesSouhaitees/0/rang',
      /is required/,
    ],
    [
      {
        communesSouhaitees: `<communesSouhaitees>${'<commune rang="1">59350</commune>'.repeat(11)}</communesSouhaitees>`,
      },
      '/communesSouhaitees',
      /more than 10 items/,
    ],
    [
      {
        communesSouhaitees:
          '<communesSouhaitees><commune rang="1">59350</commune><commune rang="2">59350</commune></communesSouhaitees>',
      },
      '/communesSouhaitees/1/code',
      /appears more than once/,
    ],
    [{ motif: '<motif>autre</motif><motif>violences</motif>' }, '/motif', /must be string/],
    [{ motif: '<motif>expulsion</motif>' }, '/motif', /must be one of/],
    [
      { motif: '<motif>autre</motif><numeroUnique>0591013000042LH59A</numeroUnique>' },
      '/numeroUnique',
      /not a field/,
    ],
  ])('rejects enregistrement %o at %s', (changes, path, message) => {
    expect(errorsOf(enregistrement(changes))).toContainEqual({
      code: 'CONTRACT_INVALID',
      path,
      message: expect.stringMatching(message),
    });
  });

  it('lists the first 100 errors of a message, its duplicate ranks included, then counts the rest', () => {
    // 3,000 communes of rank 1, each with a bad code: the schema's errors, then a duplicate rank each.
    const communes = '<commune rang="1">5935</commune>'.repeat(3000);
    const errors = errorsOf(
      enregistrement({ communesSouhaitees: `<communesSouhaitees>${communes}</communesSouhaitees>` }),
    );
    expect(errors).toHaveLength(101);
    expect(errors?.at(-1)).toMatchObject({
      path: '',
      message: expect.stringMatching(/^\d+ more errors are not listed/),
    });
    const more = Number(errors?.at(-1)?.message.split(' ')[0]);
    expect(more).toBeGreaterThan(3000);
  });

  it('reports every problem of a message at once', () => {
    const errors = errorsOf(
      enregistrement({
        typologie: '<typologie>T9</typologie>',
        departement: undefined,
        motif: '<motif>x</motif>',
      }),
    );
    expect(errors?.map((e) => e.path).sort()).toEqual(['/departement', '/motif', '/typologie']);
  });

  it.each([
    [
      'missing',
      '<renouvellement><demande numeroUnique="0591013000042LH59A"/><dateRenouvellement>2014-09-20</dateRenouvellement></renouvellement>',
      '',
    ],
    [
      'empty',
      '<renouvellement id=""><demande numeroUnique="0591013000042LH59A"/><dateRenouvellement>2014-09-20</dateRenouvellement></renouvellement>',
      '',
    ],
    [
      'with a space',
      '<renouvellement id="M 1"><demande numeroUnique="0591013000042LH59A"/><dateRenouvellement>2014-09-20</dateRenouvellement></renouvellement>',
      'M 1',
    ],
    [
      'too long',
      `<renouvellement id="${'x'.repeat(65)}"><demande numeroUnique="0591013000042LH59A"/><dateRenouvellement>2014-09-20</dateRenouvellement></renouvellement>`,
      'x'.repeat(65),
    ],
  ])('rejects a message whose id is %s, at /id', (_case, element, id) => {
    const message = decoder.readMessage(element);
    expect(message.id).toBe(id);
    expect(message.command).toBeUndefined();
    expect(message.errors).toEqual([{ code: 'CONTRACT_INVALID', path: '/id', message: expect.any(String) }]);
  });

  it.each([
    [
      'neither numeroUnique nor referenceGuichet',
      '<demande/>',
      /must be object|by numeroUnique or by referenceGuichet/,
    ],
    ['both', '<demande numeroUnique="0591013000042LH59A" referenceGuichet="R"/>', /not both/],
    [
      'a malformed numeroUnique',
      '<demande numeroUnique="591013000042LH59A"/>',
      /numéro unique of 18 characters/,
    ],
  ])('rejects a demande named by %s', (_case, demande, message) => {
    const errors = errorsOf(
      `<radiation id="R"><motif>abandon</motif>${demande}<dateRadiation>2014-05-02</dateRadiation></radiation>`,
    );
    expect(errors).toContainEqual({
      code: 'CONTRACT_INVALID',
      path: expect.stringMatching(/^\/demande/),
      message: expect.stringMatching(message),
    });
  });

  it('rejects a modification that changes nothing, or an identity field', () => {
    expect(errorsOf('<modification id="M"><demande referenceGuichet="R"/></modification>')).toEqual([
      { code: 'CONTRACT_INVALID', path: '', message: 'a modification must change at least one field' },
    ]);
    for (const [xml, path] of [
      ['<demandeur><nom>X</nom></demandeur>', '/demandeur/nom'],
      ['<demandeur><dateNaissance>1980-01-01</dateNaissance></demandeur>', '/demandeur/dateNaissance'],
      ['<departement>62</departement>', '/departement'],
      ['<dateDepot>2014-01-01</dateDepot>', '/dateDepot'],
    ] as const) {
      expect(
        errorsOf(`<modification id="M"><demande referenceGuichet="R"/>${xml}</modification>`),
      ).toContainEqual({
        code: 'CONTRACT_INVALID',
        path,
        message: expect.stringContaining('may not be changed'),
      });
    }
  });

  it('accepts every radiation motif (the registry decides who may use which) and checks sousMotif', () => {
    for (const motif of ['attribution', 'abandon', 'irrecevabilite', 'non-reponse', 'non-renouvellement']) {
      expect(
        errorsOf(
          `<radiation id="R"><demande referenceGuichet="X"/><motif>${motif}</motif><dateRadiation>2014-05-02</dateRadiation></radiation>`,
        ),
      ).toBeUndefined();
    }
    expect(
      errorsOf(
        '<radiation id="R"><demande referenceGuichet="X"/><motif>irrecevabilite</motif><sousMotif>3</sousMotif><dateRadiation>2014-05-02</dateRadiation></radiation>',
      ),
    ).toContainEqual({
      code: 'CONTRACT_INVALID',
      path: '/sousMotif',
      message: expect.stringContaining('plafond-ressources'),
    });
  });

  it('refuses unexpected attributes as fields, even __proto__', () => {
    expect(
      errorsOf(
        '<renouvellement id="R" __proto__="x" version="2"><demande referenceGuichet="X"/><dateRenouvellement>2014-09-20</dateRenouvellement></renouvellement>',
      )
        ?.map((e) => e.path)
        .sort(),
    ).toEqual(['/__proto__', '/version']);
  });

  it('rejects an attribution with a bad logement, contingent or boolean', () => {
    const errors =
      errorsOf(`<attribution id="A"><demande referenceGuichet="X"/><logement>59-0001234</logement>
      <dateSignatureBail>2014-05-02</dateSignatureBail><contingent>mairie</contingent><accordCollectif>oui</accordCollectif></attribution>`);
    expect(errors?.map((e) => e.path).sort()).toEqual(['/accordCollectif', '/contingent', '/logement']);
  });
});

describe('SPT v2 lots', () => {
  it('rejects unknown elements and foreign namespaces as unknown message types, keeping the others', () => {
    const messages = decoder.readLot(
      lot(`<demandeAnnulation id="U-1"/>${enregistrement()}<x:radiation xmlns:x="urn:other" id="U-2"/>`),
    );
    expect(messages.map((m) => [m.id, m.type, m.errors?.[0]?.code, m.errors?.[0]?.path])).toEqual([
      ['U-1', 'demandeAnnulation', 'CONTRACT_INVALID', ''],
      ['E-1', 'enregistrement', undefined, undefined],
      ['U-2', 'radiation', 'CONTRACT_INVALID', ''],
    ]);
    expect(messages[0]?.errors?.[0]?.message).toMatch(/^Unknown message type demandeAnnulation/);
    expect(messages[2]?.errors?.[0]?.message).toMatch(/namespace urn:other/);
  });

  it('rejects alone a message with an element named __proto__, constructor or prototype, or nested too deep', () => {
    const proto = enregistrement(
      {
        demandeur:
          '<demandeur><nom>Dupont</nom><prenom>Amélie</prenom><dateNaissance>1985-04-12</dateNaissance><nationalite>FR</nationalite><__proto__><isAdmin>1</isAdmin></__proto__></demandeur>',
        menage:
          '<menage nombrePersonnes="2"><personne lien="conjoint"><nom>Dupont</nom><prenom>Paul</prenom><dateNaissance>1984-01-02</dateNaissance><constructor/></personne></menage>',
      },
      'E-P',
    );
    const prototype = `<radiation id="R-P"><demande referenceGuichet="X"/><motif>abandon</motif><dateRadiation>2014-05-02</dateRadiation><prototype/></radiation>`;
    const deep = `<radiation id="R-D"><demande referenceGuichet="X"/><motif>abandon</motif><dateRadiation>2014-05-02</dateRadiation><note>${'<d>'.repeat(200)}${'</d>'.repeat(200)}</note></radiation>`;
    const messages = decoder.readLot(lot(`${proto}${enregistrement()}${prototype}${deep}`));
    expect(messages.map((m) => [m.id, m.type, m.raw, m.command ? 'valid' : 'invalid'])).toEqual([
      ['E-P', 'enregistrement', proto, 'invalid'],
      ['E-1', 'enregistrement', enregistrement(), 'valid'],
      ['R-P', 'radiation', prototype, 'invalid'],
      ['R-D', 'radiation', deep, 'invalid'],
    ]);
    expect(messages.map((m) => m.errors?.map((e) => e.path).sort())).toEqual([
      ['/demandeur/__proto__', '/menage/personnes/0/constructor'],
      undefined,
      ['/prototype'],
      ['/note'],
    ]);
    expect(messages[0]?.errors?.[0]).toEqual({
      code: 'CONTRACT_INVALID',
      path: '/demandeur/__proto__',
      message: 'is not a field of this message',
    });
    expect(messages[3]?.errors).toEqual([
      {
        code: 'CONTRACT_INVALID',
        path: '/note',
        message: 'nests elements more than 100 levels deep: no message is nested so deep',
      },
    ]);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('keeps each message raw text and is valid or invalid independently', () => {
    const invalid = enregistrement({ typologie: '<typologie>T9</typologie>' }, 'E-2');
    const messages = decoder.readLot(lot(`\n  ${enregistrement()}\n  ${invalid}\n`));
    expect(messages.map((m) => m.raw)).toEqual([enregistrement(), invalid]);
    expect(messages.map((m) => (m.command ? 'valid' : 'invalid'))).toEqual(['valid', 'invalid']);
  });

  it('decodes a lot in slices (the route’s way) to the same messages, and refuses it the same way', async () => {
    const body = lot(
      Array.from({ length: 300 }, (_, i) =>
        enregistrement(i % 7 === 0 ? { typologie: '<typologie>T9</typologie>' } : {}, `S-${i}`),
      ).join(''),
    );
    expect(await decoder.readLotInSlices(body)).toEqual(decoder.readLot(body));
    const broken = Buffer.from('<lot xmlns="urn:sne:spt:2"><enregistrement>');
    await expect(decoder.readLotInSlices(broken)).rejects.toMatchObject({ code: 'XML_MALFORMED' });
  });
});
