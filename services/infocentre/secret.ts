/**
 * Statistical secrecy (interfaces.md §12): a count between 1 and 10 demandes is not published —
 * the number becomes `null` and the object holding it carries `"secret": true` (the State's files
 * print `-`). Zero stays zero. Applied to every public reply and to every infocentre reply read by
 * the `infocentre` role; operators see the true numbers.
 *
 * Only primary secrecy: a masked cell can sometimes be recovered by differences between published
 * cells (fin = début + nouvelles − radiées); the State's publications accept the same.
 */
export const SEUIL_SECRET = 10;

export function estSecret(n: number): boolean {
  return n >= 1 && n <= SEUIL_SECRET;
}

/** A count under secrecy: itself, or null. */
export type Compte = number | null;

/**
 * Masks the named count fields of an object in place; fields derived from a masked count (its
 * percent, its mean) are masked with it. Returns whether anything was masked, and marks the object.
 */
export function masquer(
  objet: object,
  champs: readonly string[],
  derives: Record<string, readonly string[]> = {},
): boolean {
  let masque = false;
  const o = objet as Record<string, unknown>;
  for (const champ of champs) {
    const value = o[champ];
    if (typeof value === 'number' && estSecret(value)) {
      o[champ] = null;
      for (const d of derives[champ] ?? []) if (d in o) o[d] = null;
      masque = true;
    }
  }
  if (masque) o.secret = true;
  return masque;
}
