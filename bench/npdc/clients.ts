/**
 * Who talks to the hub in the scenario: the guichets and bailleurs of the Nord and the
 * Pas-de-Calais on SPT v2 and on the legacy SPT v1 (ISO-8859-1), the portail grand public, the
 * RPLS registry that imports the parc, the operator who runs the sweeps, and the infocentre that
 * reads the figures. SIRENs and codes guichet are made up.
 */

/** How a client's messages travel. */
export type Channel = 'spt-v2' | 'spt-v1' | 'pgp';

export interface ScenarioClient {
  id: string;
  role: 'guichet' | 'bailleur' | 'pgp' | 'rpls' | 'operator' | 'infocentre';
  organisme: string;
  nom: string;
  departements: string[];
  codeGuichet?: string;
  channel?: Channel;
  /** Share of the département's enregistrements this client registers (stock and new). */
  weight?: number;
}

export const CLIENTS: readonly ScenarioClient[] = [
  // Nord
  {
    id: 'npdc-lmh',
    role: 'bailleur',
    organisme: '783711111',
    nom: 'Lille Métropole Habitat',
    departements: ['59'],
    codeGuichet: 'LMH59',
    channel: 'spt-v2',
    weight: 30,
  },
  {
    id: 'npdc-partenord',
    role: 'bailleur',
    organisme: '275911112',
    nom: 'Partenord Habitat',
    departements: ['59'],
    codeGuichet: 'PNR59',
    channel: 'spt-v1',
    weight: 20,
  },
  {
    id: 'npdc-mairie-lille',
    role: 'guichet',
    organisme: '215903501',
    nom: 'Mairie de Lille',
    departements: ['59'],
    codeGuichet: 'MLI59',
    channel: 'spt-v2',
    weight: 25,
  },
  {
    id: 'npdc-mairie-roubaix',
    role: 'guichet',
    organisme: '215905121',
    nom: 'Mairie de Roubaix',
    departements: ['59'],
    codeGuichet: 'MRX59',
    channel: 'spt-v1',
    weight: 20,
  },
  // Pas-de-Calais
  {
    id: 'npdc-pdch',
    role: 'bailleur',
    organisme: '276211113',
    nom: 'Pas-de-Calais Habitat',
    departements: ['62'],
    codeGuichet: 'PDC62',
    channel: 'spt-v2',
    weight: 35,
  },
  {
    id: 'npdc-sia',
    role: 'bailleur',
    organisme: '596211114',
    nom: 'SIA Habitat',
    departements: ['62'],
    codeGuichet: 'SIA62',
    channel: 'spt-v1',
    weight: 25,
  },
  {
    id: 'npdc-mairie-arras',
    role: 'guichet',
    organisme: '216200411',
    nom: "Mairie d'Arras",
    departements: ['62'],
    codeGuichet: 'MAR62',
    channel: 'spt-v2',
    weight: 35,
  },
  // Both
  {
    id: 'npdc-portail',
    role: 'pgp',
    organisme: '130025265',
    nom: 'Portail grand public',
    departements: ['59', '62'],
    codeGuichet: 'GDPUB',
    channel: 'pgp',
    weight: 5,
  },
  { id: 'npdc-rpls', role: 'rpls', organisme: '130005481', nom: 'RPLS', departements: ['*'] },
  { id: 'npdc-operateur', role: 'operator', organisme: '130005482', nom: 'Opérateur', departements: ['*'] },
  {
    id: 'npdc-infocentre',
    role: 'infocentre',
    organisme: '130005483',
    nom: 'DREAL Nord-Pas-de-Calais',
    departements: ['59', '62'],
  },
];

export function clientById(id: string): ScenarioClient {
  const client = CLIENTS.find((c) => c.id === id);
  if (!client) throw new Error(`no scenario client ${id}`);
  return client;
}

/** The clients that register demandes in `departement`, with their weights. */
export function registrarsOf(departement: string): ScenarioClient[] {
  return CLIENTS.filter((c) => c.channel && c.departements.includes(departement));
}

/** The bailleurs of `departement` (attributions and irrecevabilité are theirs). */
export function bailleursOf(departement: string): ScenarioClient[] {
  return CLIENTS.filter((c) => c.role === 'bailleur' && c.departements.includes(departement));
}

/** The guichets of `departement` that speak SPT (any of them may radiate for non-réponse). */
export function sptGuichetsOf(departement: string): ScenarioClient[] {
  return CLIENTS.filter(
    (c) => (c.role === 'guichet' || c.role === 'bailleur') && c.departements.includes(departement),
  );
}

/** Communes souhaitées by département: current INSEE codes of the Code officiel géographique. */
export const COMMUNES: Readonly<Record<string, readonly string[]>> = {
  '59': ['59350', '59512', '59599', '59009', '59183', '59606', '59178', '59392'],
  '62': ['62041', '62427', '62119', '62193', '62160', '62498', '62765', '62510'],
};
