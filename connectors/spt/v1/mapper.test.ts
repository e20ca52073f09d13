import { describe, expect, it } from 'vitest';
import type { Command } from '../../../services/core/commands.ts';
import { createV1Decoder } from './decode.ts';

/**
 * Golden tests: one v1 message element in, the canonical command out, through transport, contract
 * and mapper: codes decoded, decimal commas and DD/MM/YYYY dates converted.
 */
const decoder = createV1Decoder();
function commandOf(element: string): Command | undefined {
  const message = decoder.readMessage(element);
  expect(message.errors).toBeUndefined();
  return message.command;
}

const CREATION = {
  Dept: '<Dept>59</Dept>',
  DateDepot: '<DateDepot>01/03/2014</DateDepot>',
  Nom: '<Nom>DUPONT</Nom>',
  Prenom: '<Prenom>Amélie</Prenom>',
  DateNaissance: '<DateNaissance>12/04/1985</DateNaissance>',
  Nationalite: '<Nationalite>1</Nationalite>',
  NbPersonnes: '<NbPersonnes>3</NbPersonnes>',
  Ressources: '<Ressources>1450,00</Ressources>',
  NbPieces: '<NbPieces>3</NbPieces>',
  Communes: '<Commune1>59350</Commune1>',
  Motif: '<Motif>04</Motif>',
};

function creation(changes: Partial<Record<keyof typeof CREATION, string>> = {}): string {
  return `<Creation idMessage="A1">${Object.values({ ...CREATION, ...changes }).join('')}</Creation>`;
}

describe('SPT v1 → canonical command', () => {
  it('Creation: the example of the specification', () => {
    const element = `<Creation idMessage="A1">
      <RefInterne>LH-2014-000123</RefInterne><Dept>59</Dept><DateDepot>01/03/2014</DateDepot>
      <Nom>DUPONT</Nom><Prenom>Amélie</Prenom><DateNaissance>12/04/1985</DateNaissance>
      <Nationalite>1</Nationalite><NbPersonnes>3</NbPersonnes><Ressources>1450,00</Ressources>
      <NbPieces>3</NbPieces><Commune1>59350</Commune1><Commune2>59512</Commune2><Motif>04</Motif>
    </Creation>`;
    expect(commandOf(element)).toStrictEqual({
      type: 'enregistrement',
      referenceGuichet: 'LH-2014-000123',
      departement: '59',
      dateDepot: '2014-03-01',
      demandeur: { nom: 'DUPONT', prenom: 'Amélie', dateNaissance: '1985-04-12', nationalite: 'FR' },
      menage: { nombrePersonnes: 3 },
      ressourcesMensuelles: 1450,
      typologie: 'T3',
      communesSouhaitees: ['59350', '59512'],
      motif: 'logement-trop-petit',
    });
  });

  it('Creation without RefInterne: five communes in rank order, a comma decimal, a 29 February', () => {
    const element = creation({
      DateNaissance: '<DateNaissance>29/02/1964</DateNaissance>',
      Ressources: '<Ressources>1875,25</Ressources>',
      Communes:
        '<Commune1>59350</Commune1><Commune2>59512</Commune2><Commune3>59009</Commune3><Commune4>59599</Commune4><Commune5>59178</Commune5>',
    });
    expect(commandOf(element)).toMatchObject({
      demandeur: { dateNaissance: '1964-02-29' },
      ressourcesMensuelles: 1875.25,
      communesSouhaitees: ['59350', '59512', '59009', '59599', '59178'],
    });
    expect(commandOf(element)).not.toHaveProperty('referenceGuichet');
  });

  it.each([
    ['1', 'FR'],
    ['2', 'UE'],
    ['3', 'HORS_UE'],
  ])('Nationalite %s → %s', (code, nationalite) => {
    expect(commandOf(creation({ Nationalite: `<Nationalite>${code}</Nationalite>` }))).toMatchObject({
      demandeur: { nationalite },
    });
  });

  it.each([
    ['0', 'chambre'],
    ['1', 'T1'],
    ['2', 'T2'],
    ['3', 'T3'],
    ['4', 'T4'],
    ['5', 'T5'],
    ['6', 'T6+'],
    ['7', 'T6+'],
    ['12', 'T6+'],
  ])('NbPieces %s → %s', (code, typologie) => {
    expect(commandOf(creation({ NbPieces: `<NbPieces>${code}</NbPieces>` }))).toMatchObject({ typologie });
  });

  it.each([
    ['01', 'sans-logement'],
    ['02', 'hebergement'],
    ['03', 'logement-insalubre'],
    ['04', 'logement-trop-petit'],
    ['05', 'logement-trop-cher'],
    ['06', 'violences'],
    ['07', 'handicap'],
    ['08', 'mutation'],
    ['09', 'rapprochement-travail'],
    ['10', 'divorce-separation'],
    ['99', 'autre'],
  ])('Motif %s → %s', (code, motif) => {
    expect(commandOf(creation({ Motif: `<Motif>${code}</Motif>` }))).toMatchObject({ motif });
  });

  it.each([
    ['0', 0],
    ['980,5', 980.5],
    ['1450', 1450],
    ['12,3456', 12.3456],
  ])('Ressources %s → %s', (value, euros) => {
    expect(commandOf(creation({ Ressources: `<Ressources>${value}</Ressources>` }))).toMatchObject({
      ressourcesMensuelles: euros,
    });
  });

  it('Modification: the example of the specification (NbPieces alone)', () => {
    expect(
      commandOf(
        '<Modification idMessage="A2"><RefInterne>LH-2014-000123</RefInterne><NbPieces>4</NbPieces></Modification>',
      ),
    ).toStrictEqual({
      type: 'modification',
      demande: { referenceGuichet: 'LH-2014-000123' },
      changes: { typologie: 'T4' },
    });
  });

  it('Modification of every field: ménage and communes replaced whole', () => {
    const element = `<Modification idMessage="A2"><NumUnique>0591013000042LH59A</NumUnique>
      <Nationalite>3</Nationalite><NbPersonnes>2</NbPersonnes><Ressources>1200,50</Ressources><NbPieces>0</NbPieces>
      <Commune1>59512</Commune1><Commune2>59350</Commune2><Motif>10</Motif></Modification>`;
    expect(commandOf(element)).toStrictEqual({
      type: 'modification',
      demande: { numeroUnique: '0591013000042LH59A' },
      changes: {
        demandeur: { nationalite: 'HORS_UE' },
        menage: { nombrePersonnes: 2 },
        ressourcesMensuelles: 1200.5,
        typologie: 'chambre',
        communesSouhaitees: ['59512', '59350'],
        motif: 'divorce-separation',
      },
    });
  });

  it('Renouvellement', () => {
    expect(
      commandOf(
        '<Renouvellement idMessage="A3"><NumUnique>0591013000042LH59A</NumUnique><DateRenouvellement>20/09/2014</DateRenouvellement></Renouvellement>',
      ),
    ).toStrictEqual({
      type: 'renouvellement',
      demande: { numeroUnique: '0591013000042LH59A' },
      dateRenouvellement: '2014-09-20',
    });
  });

  it.each([
    [
      'IRRECEVABILITE',
      '<SousMotif>1</SousMotif>',
      { motif: 'irrecevabilite', sousMotif: 'plafond-ressources' },
    ],
    [
      'IRRECEVABILITE',
      '<SousMotif>2</SousMotif>',
      { motif: 'irrecevabilite', sousMotif: 'irregularite-sejour' },
    ],
    ['ABANDON', '', { motif: 'abandon' }],
    ['NON_REPONSE', '', { motif: 'non-reponse' }],
  ])('Radiation %s %s', (motif, sousMotif, expected) => {
    const element = `<Radiation idMessage="A4"><RefInterne>LH-1</RefInterne><Motif>${motif}</Motif>${sousMotif}<DateRadiation>02/05/2014</DateRadiation></Radiation>`;
    expect(commandOf(element)).toStrictEqual({
      type: 'radiation',
      demande: { referenceGuichet: 'LH-1' },
      ...expected,
      dateRadiation: '2014-05-02',
    });
  });

  it('Attribution: contingent bailleur, no accord collectif (v1 has neither)', () => {
    expect(
      commandOf(
        '<Attribution idMessage="A5"><RefInterne>LH-2013-000987</RefInterne><IdRpls>5900001234</IdRpls><DateBail>02/05/2014</DateBail></Attribution>',
      ),
    ).toStrictEqual({
      type: 'attribution',
      demande: { referenceGuichet: 'LH-2013-000987' },
      logement: '5900001234',
      dateSignatureBail: '2014-05-02',
      contingent: 'bailleur',
      accordCollectif: false,
    });
  });
});
