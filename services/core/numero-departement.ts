/**
 * The département a numéro unique belongs to, read from its first three characters (`059` → `59`,
 * `02A` → `2A`, `971` → `971`): the inverse of `territoireCode`. A demande never changes
 * département, so this holds for its whole life; the caller knows its scope before any lookup.
 */
export function departementOfNumero(numeroUnique: string): string {
  const territoire = numeroUnique.slice(0, 3);
  return territoire.startsWith('0') ? territoire.slice(1) : territoire;
}
