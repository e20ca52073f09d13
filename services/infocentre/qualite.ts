import { pourcent } from './flux.ts';
import type { QualiteGuichetBrute } from './queries.ts';
import { masquer } from './secret.ts';

/**
 * The quality of each guichet's work over a period (interfaces.md §12): how many demandes it
 * registered and how late they reached the hub after their dépôt, what share of its messages were
 * refused, and — the catch-up indicator — how many radiations and attributions it sent more than one
 * month after their business date (a "plan de rattrapage" shows up here, not in the flux figures,
 * which follow business dates).
 */
export interface QualiteGuichet {
  client: string;
  nom: string;
  codeGuichet: string;
  role: string;
  demandesEnregistrees: number | null;
  /** Mean days from dépôt to reception of the enregistrement. */
  delaiMoyenEnregistrementJours: number | null;
  /**
   * Each share's numerator is published as a count too, so that secrecy masks it, and the share
   * with it: a share of a published total would otherwise give back a count of 1 to 10.
   */
  enregistrementsPlusUnMois: number | null;
  enregistrementsPlusUnMoisPourcent: number | null;
  messagesRecus: number | null;
  messagesRejetes: number | null;
  messagesRejetesPourcent: number | null;
  messagesEchoues: number | null;
  messagesEchouesPourcent: number | null;
  doublonsRefuses: number | null;
  modifications: number | null;
  renouvellements: number | null;
  /** Radiations it recorded, by motif (attribution included), by business date. */
  radiations: Record<string, number | null>;
  attributions: number | null;
  /** Mean days from bail signature to reception of the attribution. */
  delaiMoyenAttributionJours: number | null;
  attributionsPlusUnMois: number | null;
  attributionsPlusUnMoisPourcent: number | null;
  /** Radiations and attributions received more than one month after their business date. */
  rattrapage: { nombre: number | null; pourcent: number | null; secret?: true };
  avecContact: number | null;
  avecContactPourcent: number | null;
  avecRessources: number | null;
  avecRessourcesPourcent: number | null;
  secret?: true;
}

export interface QualiteReponse {
  departement: string;
  du: string;
  au: string;
  guichets: QualiteGuichet[];
}

const arrondi = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);

export function qualiteDe(
  departement: string,
  du: string,
  au: string,
  bruts: QualiteGuichetBrute[],
): QualiteReponse {
  return {
    departement,
    du,
    au,
    guichets: bruts.map((b) => {
      const radiationsRecues = Object.entries(b.radiations)
        .filter(([m]) => m !== 'attribution')
        .reduce((s, [, n]) => s + n, 0);
      const tardives = b.radiationsTardives + b.attributionsTardives;
      return {
        client: b.clientId,
        nom: b.nom,
        codeGuichet: b.codeGuichet,
        role: b.role,
        demandesEnregistrees: b.demandesEnregistrees,
        delaiMoyenEnregistrementJours: arrondi(b.delaiMoyenEnregistrementJours),
        enregistrementsPlusUnMois: b.enregistrementsTardifs,
        enregistrementsPlusUnMoisPourcent: pourcent(b.enregistrementsTardifs, b.demandesEnregistrees),
        messagesRecus: b.messagesRecus,
        messagesRejetes: b.messagesRejetes,
        messagesRejetesPourcent: pourcent(b.messagesRejetes, b.messagesRecus),
        messagesEchoues: b.messagesEchoues,
        messagesEchouesPourcent: pourcent(b.messagesEchoues, b.messagesRecus),
        doublonsRefuses: b.doublonsRefuses,
        modifications: b.modifications,
        renouvellements: b.renouvellements,
        radiations: { ...b.radiations },
        attributions: b.attributions,
        delaiMoyenAttributionJours: arrondi(b.delaiMoyenAttributionJours),
        attributionsPlusUnMois: b.attributionsTardives,
        attributionsPlusUnMoisPourcent: pourcent(b.attributionsTardives, b.attributions),
        rattrapage: { nombre: tardives, pourcent: pourcent(tardives, radiationsRecues + b.attributions) },
        avecContact: b.avecContact,
        avecContactPourcent: pourcent(b.avecContact, b.demandesEnregistrees),
        avecRessources: b.avecRessources,
        avecRessourcesPourcent: pourcent(b.avecRessources, b.demandesEnregistrees),
      };
    }),
  };
}

/** Secrecy on the counts of demandes, and on what is derived from a masked count. */
export function masquerQualite(reponse: QualiteReponse): QualiteReponse {
  const copie = structuredClone(reponse);
  for (const g of copie.guichets) {
    masquer(
      g,
      [
        'demandesEnregistrees',
        'enregistrementsPlusUnMois',
        'avecContact',
        'avecRessources',
        'messagesRecus',
        'messagesRejetes',
        'messagesEchoues',
        'doublonsRefuses',
        'modifications',
        'renouvellements',
        'attributions',
        'attributionsPlusUnMois',
      ],
      {
        enregistrementsPlusUnMois: ['enregistrementsPlusUnMoisPourcent'],
        avecContact: ['avecContactPourcent'],
        avecRessources: ['avecRessourcesPourcent'],
        attributionsPlusUnMois: ['attributionsPlusUnMoisPourcent'],
        demandesEnregistrees: [
          'delaiMoyenEnregistrementJours',
          'enregistrementsPlusUnMoisPourcent',
          'avecContactPourcent',
          'avecRessourcesPourcent',
        ],
        messagesRecus: ['messagesRejetesPourcent', 'messagesEchouesPourcent'],
        messagesRejetes: ['messagesRejetesPourcent'],
        messagesEchoues: ['messagesEchouesPourcent'],
        attributions: ['delaiMoyenAttributionJours', 'attributionsPlusUnMoisPourcent'],
      },
    );
    if (masquer(g.radiations, Object.keys(g.radiations))) {
      delete (g.radiations as { secret?: true }).secret;
      g.secret = true;
    }
    masquer(g.rattrapage, ['nombre'], { nombre: ['pourcent'] });
  }
  return copie;
}
