import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../../services/http/problem.ts';
import { createV1Decoder } from './decode.ts';

const decoder = createV1Decoder();

const CREATION = `<Creation idMessage="A1"><Dept>59</Dept><DateDepot>01/03/2014</DateDepot><Nom>DUPONT</Nom>
<Prenom>Amélie</Prenom><DateNaissance>12/04/1985</DateNaissance><Nationalite>1</Nationalite><NbPersonnes>3</NbPersonnes>
<Ressources>1450,00</Ressources><NbPieces>3</NbPieces><Commune1>59350</Commune1><Motif>04</Motif></Creation>`;

/** The reference Creation with one element replaced (or removed, with `''`). */
function creation(element: string, replacement: string): string {
  const pattern = new RegExp(`<${element}>[^<]*</${element}>`);
  expect(CREATION).toMatch(pattern);
  return CREATION.replace(pattern, replacement);
}

function errorsOf(element: string) {
  return decoder.readMessage(element).errors;
}

function problemOf(body: string | Buffer): { status: number; code: string; message: string } {
  try {
    decoder.readLot(typeof body === 'string' ? Buffer.from(body) : body);
  } catch (error) {
    if (!(error instanceof HttpProblem)) throw error;
    return { status: error.status, code: error.code, message: error.message };
  }
  throw new Error('expected an HttpProblem');
}

describe('SPT v1 lots', () => {
  it('read every message of a LotDemandes, with its raw element and the canonical type it carries', () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<LotDemandes version="1">
  ${CREATION}
  <Renouvellement idMessage="A3"><NumUnique>0591013000042LH59A</NumUnique><DateRenouvellement>20/09/2014</DateRenouvellement></Renouvellement>
</LotDemandes>`;
    const messages = decoder.readLot(Buffer.from(body));
    expect(messages.map((m) => [m.id, m.type, m.errors])).toEqual([
      ['A1', 'enregistrement', undefined],
      ['A3', 'renouvellement', undefined],
    ]);
    expect(messages[0]?.raw).toBe(CREATION);
  });

  it('reject alone a message with an element named constructor or __proto__, or nested too deep', () => {
    const deep = creation('Motif', `<Motif>04</Motif><Note>${'<d>'.repeat(101)}${'</d>'.repeat(101)}</Note>`);
    const body = `<LotDemandes version="1">${creation('Motif', '<Motif>04</Motif><constructor/><__proto__>x</__proto__>')}${deep}${CREATION.replace('A1', 'A2')}</LotDemandes>`;
    const messages = decoder.readLot(Buffer.from(body));
    expect(messages.map((m) => [m.id, m.type, m.errors?.map((e) => e.path).sort()])).toEqual([
      ['A1', 'enregistrement', ['/__proto__', '/constructor']],
      ['A1', 'enregistrement', ['/Note']],
      ['A2', 'enregistrement', undefined],
    ]);
    expect(messages[1]?.raw).toBe(deep);
  });

  it('read ISO-8859-1 as declared, accents included', () => {
    const body = Buffer.from(
      `<?xml version="1.0" encoding="ISO-8859-1"?><LotDemandes version="1">${creation('Nom', '<Nom>LEFÈVRE</Nom>')}</LotDemandes>`,
      'latin1',
    );
    const [message] = decoder.readLot(body);
    expect(message?.command).toMatchObject({ demandeur: { nom: 'LEFÈVRE', prenom: 'Amélie' } });
    expect(message?.raw).toContain('<Nom>LEFÈVRE</Nom>');
  });

  it.each([
    [
      '<lot xmlns="urn:sne:spt:2"/>',
      /must be <LotDemandes> without namespace, not <lot xmlns="urn:sne:spt:2">/,
    ],
    ['<LotDemandes xmlns="urn:sne:spt:2" version="1"/>', /without namespace/],
    ['<LotDemandes version="2"/>', /must carry version="1", not version="2"/],
    ['<LotDemandes/>', /must carry version="1", but has none/],
  ])('refuse the wrong root whole: %s', (body, message) => {
    expect(problemOf(body)).toMatchObject({
      status: 400,
      code: 'XML_ROOT_INVALID',
      message: expect.stringMatching(message),
    });
  });

  it('refuse what every version refuses (DOCTYPE, malformed XML)', () => {
    expect(problemOf('<!DOCTYPE x><LotDemandes version="1"/>').code).toBe('XML_DOCTYPE_FORBIDDEN');
    expect(problemOf('<LotDemandes version="1"><Creation></LotDemandes>').code).toBe('XML_MALFORMED');
  });

  it('reject an unknown element or a v2 element as an unknown message type', () => {
    const body = `<LotDemandes version="1"><Suppression idMessage="S1"/><renouvellement id="R1"/><x:Creation xmlns:x="urn:sne:spt:2" idMessage="X1"/></LotDemandes>`;
    const messages = decoder.readLot(Buffer.from(body));
    expect(messages.map((m) => [m.id, m.type, m.errors?.[0]?.path])).toEqual([
      ['S1', 'Suppression', ''],
      ['', 'renouvellement', ''],
      ['X1', 'Creation', ''],
    ]);
    expect(messages[0]?.errors?.[0]?.message).toMatch(
      /Unknown message type Suppression: a v1 lot holds Creation, /,
    );
    expect(messages[2]?.errors?.[0]?.message).toMatch(/Creation \(namespace urn:sne:spt:2\)/);
  });
});

describe('SPT v1 messages, one by one', () => {
  it('accept the reference Creation', () => {
    expect(decoder.readMessage(CREATION)).toMatchObject({ id: 'A1', type: 'enregistrement', raw: CREATION });
  });

  it.each([
    ['DateDepot', '<DateDepot>31/02/2014</DateDepot>', /real calendar date DD\/MM\/YYYY/],
    ['DateNaissance', '<DateNaissance>29/02/1985</DateNaissance>', /real calendar date DD\/MM\/YYYY/],
    ['DateDepot', '<DateDepot>2014-03-01</DateDepot>', /must be a date DD\/MM\/YYYY/],
    ['DateDepot', '<DateDepot>1/3/2014</DateDepot>', /must be a date DD\/MM\/YYYY/],
    ['DateDepot', '<DateDepot>01/13/2014</DateDepot>', /real calendar date/],
    ['Nationalite', '<Nationalite>4</Nationalite>', /Nationalite code: 1 \(FR\), 2 \(UE\) or 3 \(HORS_UE\)/],
    ['Nationalite', '<Nationalite>FR</Nationalite>', /Nationalite code/],
    ['NbPieces', '<NbPieces>T3</NbPieces>', /NbPieces code: 0 \(chambre\), 1 to 5/],
    ['NbPieces', '<NbPieces>-1</NbPieces>', /NbPieces code/],
    ['NbPieces', '<NbPieces>100</NbPieces>', /NbPieces code/],
    ['Motif', '<Motif>4</Motif>', /Motif code of two digits: 01 to 10, or 99/],
    ['Motif', '<Motif>11</Motif>', /Motif code/],
    ['Ressources', '<Ressources>1450.00</Ressources>', /with a comma \(1450,00\)/],
    ['Ressources', '<Ressources>1 450,00</Ressources>', /with a comma/],
    ['NbPersonnes', '<NbPersonnes>0</NbPersonnes>', /from 1 to 20/],
    ['Dept', '<Dept>20</Dept>', /département code/],
    ['Commune1', '<Commune1>5935</Commune1>', /INSEE commune code/],
    ['Nom', '<Nom></Nom>', /fewer than 1 characters/],
  ])('reject a bad %s: %s', (element, replacement, message) => {
    expect(errorsOf(creation(element, replacement))).toEqual([
      { code: 'CONTRACT_INVALID', path: `/${element}`, message: expect.stringMatching(message) },
    ]);
  });

  it('report a missing element at its path, and every problem at once', () => {
    const errors = errorsOf(creation('Dept', '').replace('<Nationalite>1<', '<Nationalite>7<'));
    expect(errors?.map((e) => e.path).sort()).toEqual(['/Dept', '/Nationalite']);
  });

  it('reject communes with a gap, or given twice', () => {
    expect(errorsOf(creation('Commune1', '<Commune1>59350</Commune1><Commune3>59512</Commune3>'))).toEqual([
      {
        code: 'CONTRACT_INVALID',
        path: '',
        message: 'must have properties Commune1, Commune2 when property Commune3 is present',
      },
    ]);
    expect(errorsOf(creation('Commune1', '<Commune1>59350</Commune1><Commune2>59350</Commune2>'))).toEqual([
      { code: 'CONTRACT_INVALID', path: '/Commune2', message: 'commune 59350 appears more than once' },
    ]);
  });

  it('reject an element that is not a field, or given twice', () => {
    expect(errorsOf(creation('Motif', '<Motif>04</Motif><Email>a@b.fr</Email>'))).toEqual([
      { code: 'CONTRACT_INVALID', path: '/Email', message: 'is not a field of this message' },
    ]);
    expect(errorsOf(creation('Nom', '<Nom>A</Nom><Nom>B</Nom>'))?.[0]).toMatchObject({ path: '/Nom' });
  });

  it('reject a missing or invalid idMessage', () => {
    expect(errorsOf(CREATION.replace(' idMessage="A1"', ''))).toEqual([
      { code: 'CONTRACT_INVALID', path: '/idMessage', message: 'is required' },
    ]);
    expect(errorsOf(CREATION.replace('"A1"', '"A 1"'))?.[0]).toMatchObject({ path: '/idMessage' });
  });

  it('name the demande by exactly one of NumUnique and RefInterne', () => {
    const both =
      '<Renouvellement idMessage="R"><NumUnique>0591013000042LH59A</NumUnique><RefInterne>LH-1</RefInterne><DateRenouvellement>20/09/2014</DateRenouvellement></Renouvellement>';
    expect(errorsOf(both)).toEqual([
      {
        code: 'CONTRACT_INVALID',
        path: '',
        message: 'must name the demande by exactly one of NumUnique and RefInterne',
      },
    ]);
    const neither =
      '<Renouvellement idMessage="R"><DateRenouvellement>20/09/2014</DateRenouvellement></Renouvellement>';
    expect(errorsOf(neither)?.map((e) => e.path)).toEqual(['/NumUnique', '/RefInterne', '']);
    const badNumero = both.replace('<RefInterne>LH-1</RefInterne>', '').replace('0591013000042', '059');
    expect(errorsOf(badNumero)?.[0]).toMatchObject({
      path: '/NumUnique',
      message: expect.stringMatching(/18 characters/),
    });
  });

  it('refuse a Modification without change, or changing what never changes', () => {
    expect(errorsOf('<Modification idMessage="M"><RefInterne>LH-1</RefInterne></Modification>')).toEqual([
      { code: 'CONTRACT_INVALID', path: '', message: 'a modification must change at least one field' },
    ]);
    expect(
      errorsOf('<Modification idMessage="M"><RefInterne>LH-1</RefInterne><Nom>X</Nom></Modification>')?.[0],
    ).toMatchObject({
      path: '/Nom',
      message: expect.stringMatching(/identity, Dept and DateDepot never change/),
    });
  });

  it.each([
    ['<Motif>ATTRIBUTION</Motif>', '/Motif', /ABANDON, IRRECEVABILITE or NON_REPONSE/],
    ['<Motif>abandon</Motif>', '/Motif', /ABANDON, IRRECEVABILITE or NON_REPONSE/],
    ['<Motif>IRRECEVABILITE</Motif><SousMotif>3</SousMotif>', '/SousMotif', /1 \(plafond-ressources\) or 2/],
  ])('reject a Radiation with %s', (motif, path, message) => {
    const element = `<Radiation idMessage="R"><NumUnique>0591013000042LH59A</NumUnique>${motif}<DateRadiation>02/05/2014</DateRadiation></Radiation>`;
    expect(errorsOf(element)).toEqual([
      { code: 'CONTRACT_INVALID', path, message: expect.stringMatching(message) },
    ]);
  });

  it('leave an IRRECEVABILITE without SousMotif to the registry (SOUS_MOTIF_REQUIS), as v2 does', () => {
    const element =
      '<Radiation idMessage="R"><NumUnique>0591013000042LH59A</NumUnique><Motif>IRRECEVABILITE</Motif><DateRadiation>02/05/2014</DateRadiation></Radiation>';
    expect(decoder.readMessage(element).command).toMatchObject({ motif: 'irrecevabilite' });
  });

  it('reject an Attribution with a bad IdRpls or a v2 contingent', () => {
    const attribution = (body: string) =>
      `<Attribution idMessage="T"><RefInterne>LH-1</RefInterne>${body}<DateBail>02/05/2014</DateBail></Attribution>`;
    expect(errorsOf(attribution('<IdRpls>59-0001234</IdRpls>'))?.[0]).toMatchObject({ path: '/IdRpls' });
    expect(
      errorsOf(attribution('<IdRpls>5900001234</IdRpls><Contingent>prefet</Contingent>'))?.[0],
    ).toMatchObject({ path: '/Contingent', message: 'is not a field of this message' });
  });
});
