/** The roles a client of the hub may have (interfaces.md §2). */
export const ROLES = [
  'guichet',
  'bailleur',
  'dalo',
  'contingent',
  'rpls',
  'pgp',
  'operator',
  'infocentre',
] as const;
export type Role = (typeof ROLES)[number];

/** Who sends a command: the core checks territory and rights against it. */
export interface Actor {
  clientId: string;
  role: Role;
  /** SIREN of the organisme, 9 digits. */
  organisme: string;
  /** Départements the client may act on; `['*']` means all. */
  departements: string[];
  codeGuichet?: string;
}

export function actsOn(actor: Actor, departement: string): boolean {
  return actor.departements.includes('*') || actor.departements.includes(departement);
}

/** An actor from a stored client, whose codeGuichet may be null. */
export function actorOf(client: Omit<Actor, 'codeGuichet'> & { codeGuichet: string | null }): Actor {
  const { codeGuichet, ...rest } = client;
  return codeGuichet ? { ...rest, codeGuichet } : rest;
}
