import { describe, expect, it } from 'vitest';
import type { Command } from '../../../services/core/commands.ts';
import { createV2Decoder } from './decode.ts';
import { toCommand } from './mapper.ts';

/** Golden tests: one v2 message element in, the canonical command out, through transport, contract and mapper. */
const decoder = createV2Decoder();
function commandOf(element: string): Command | undefined {
  const message = decoder.readMessage(element);
  expect(message.errors).toBeUndefined();
  return message.command;
}

describe('SPT v2 → canonical command', () => {
  it('enregistrement: numbers parsed, communes by rang, personnes kept, optional fields absent', () => {
    const element = `<enregistrement id="M-1">
      <referenceGuichet>LH-2014-000123</referenceGuichet>
      <departement>59</departement>
      <dateDepot>2014-03-01</dateDepot>
      <demandeur>
        <nom>Dupont</nom><prenom>Amélie</prenom><dateNaissance>1985-04-12</dateNaissance>
        <nationalite>FR</nationalite><email>a.dupont@example.org</email>
      </demandeur>
      <menage nombrePersonnes="3">
        <personne lien="conjoint"><nom>Dupont</nom><prenom>Marc</prenom><dateNaissance>1983-01-02</dateNaissance></personne>
      </menage>
      <ressourcesMensuelles>1450.50</ressourcesMensuelles>
      <typologie>T6+</typologie>
      <communesSouhaitees>
        <commune rang="10">59009</commune><commune rang="2">59512</commune><commune rang="1">59350</commune>
      </communesSouhaitees>
      <motif>logement-trop-petit</motif>
    </enregistrement>`;
    expect(commandOf(element)).toStrictEqual({
      type: 'enregistrement',
      referenceGuichet: 'LH-2014-000123',
      departement: '59',
      dateDepot: '2014-03-01',
      demandeur: {
        nom: 'Dupont',
        prenom: 'Amélie',
        dateNaissance: '1985-04-12',
        nationalite: 'FR',
        email: 'a.dupont@example.org',
      },
      menage: {
        nombrePersonnes: 3,
        personnes: [{ nom: 'Dupont', prenom: 'Marc', dateNaissance: '1983-01-02', lien: 'conjoint' }],
      },
      ressourcesMensuelles: 1450.5,
      typologie: 'T6+',
      communesSouhaitees: ['59350', '59512', '59009'],
      motif: 'logement-trop-petit',
    });
  });

  it('enregistrement without referenceGuichet nor personnes, in Corse', () => {
    const element = `<enregistrement id="C-1"><departement>2A</departement><dateDepot>2014-01-31</dateDepot>
      <demandeur><nom>Santoni</nom><prenom>Paul</prenom><dateNaissance>1960-02-29</dateNaissance><nationalite>HORS_UE</nationalite></demandeur>
      <menage nombrePersonnes="1"/><ressourcesMensuelles>0</ressourcesMensuelles><typologie>chambre</typologie>
      <communesSouhaitees><commune rang="1">2A004</commune></communesSouhaitees><motif>sans-logement</motif></enregistrement>`;
    expect(commandOf(element)).toStrictEqual({
      type: 'enregistrement',
      departement: '2A',
      dateDepot: '2014-01-31',
      demandeur: { nom: 'Santoni', prenom: 'Paul', dateNaissance: '1960-02-29', nationalite: 'HORS_UE' },
      menage: { nombrePersonnes: 1 },
      ressourcesMensuelles: 0,
      typologie: 'chambre',
      communesSouhaitees: ['2A004'],
      motif: 'sans-logement',
    });
  });

  it('modification: only the changes present, demandeur changes apart, ménage and communes replaced whole', () => {
    const element = `<modification id="M-2"><demande referenceGuichet="LH-2014-000123"/>
      <demandeur><email>new@example.org</email><nationalite>UE</nationalite></demandeur>
      <menage nombrePersonnes="2"/>
      <ressourcesMensuelles>1200</ressourcesMensuelles>
      <communesSouhaitees><commune rang="2">59350</commune><commune rang="1">59512</commune></communesSouhaitees>
      <motif>divorce-separation</motif></modification>`;
    expect(commandOf(element)).toStrictEqual({
      type: 'modification',
      demande: { referenceGuichet: 'LH-2014-000123' },
      changes: {
        demandeur: { email: 'new@example.org', nationalite: 'UE' },
        menage: { nombrePersonnes: 2 },
        ressourcesMensuelles: 1200,
        communesSouhaitees: ['59512', '59350'],
        motif: 'divorce-separation',
      },
    });
  });

  it('modification of the typologie alone', () => {
    expect(
      commandOf(
        '<modification id="M-2"><demande numeroUnique="0591013000042LH59A"/><typologie>T4</typologie></modification>',
      ),
    ).toStrictEqual({
      type: 'modification',
      demande: { numeroUnique: '0591013000042LH59A' },
      changes: { typologie: 'T4' },
    });
  });

  it('renouvellement', () => {
    expect(
      commandOf(
        '<renouvellement id="M-3"><demande numeroUnique="0591013000042LH59A"/><dateRenouvellement>2014-09-20</dateRenouvellement></renouvellement>',
      ),
    ).toStrictEqual({
      type: 'renouvellement',
      demande: { numeroUnique: '0591013000042LH59A' },
      dateRenouvellement: '2014-09-20',
    });
  });

  it('radiation with and without sousMotif', () => {
    expect(
      commandOf(`<radiation id="M-4"><demande numeroUnique="02A0114000001AB12C"/><motif>irrecevabilite</motif>
        <sousMotif>irregularite-sejour</sousMotif><dateRadiation>2014-05-02</dateRadiation></radiation>`),
    ).toStrictEqual({
      type: 'radiation',
      demande: { numeroUnique: '02A0114000001AB12C' },
      motif: 'irrecevabilite',
      sousMotif: 'irregularite-sejour',
      dateRadiation: '2014-05-02',
    });
    expect(
      commandOf(
        '<radiation id="M-5"><demande referenceGuichet="R"/><motif>non-reponse</motif><dateRadiation>2014-05-02</dateRadiation></radiation>',
      ),
    ).toStrictEqual({
      type: 'radiation',
      demande: { referenceGuichet: 'R' },
      motif: 'non-reponse',
      dateRadiation: '2014-05-02',
    });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
    [undefined, false],
  ])('attribution with accordCollectif %s', (accord, expected) => {
    const element = `<attribution id="M-6"><demande referenceGuichet="LH-2013-000987"/><logement>5900001234</logement>
      <dateSignatureBail>2014-05-02</dateSignatureBail><contingent>action-logement</contingent>
      ${accord === undefined ? '' : `<accordCollectif>${accord}</accordCollectif>`}</attribution>`;
    expect(commandOf(element)).toStrictEqual({
      type: 'attribution',
      demande: { referenceGuichet: 'LH-2013-000987' },
      logement: '5900001234',
      dateSignatureBail: '2014-05-02',
      contingent: 'action-logement',
      accordCollectif: expected,
    });
  });

  it('is pure: maps a contract JSON object without touching it', () => {
    const body = {
      id: 'X',
      demande: { numeroUnique: '0591013000042LH59A' },
      communesSouhaitees: [
        { rang: '2', code: '59350' },
        { rang: '1', code: '59512' },
      ],
    };
    const frozen = structuredClone(body);
    expect(toCommand({ type: 'modification', body })).toStrictEqual({
      type: 'modification',
      demande: { numeroUnique: '0591013000042LH59A' },
      changes: { communesSouhaitees: ['59512', '59350'] },
    });
    expect(body).toStrictEqual(frozen);
  });
});
