import { type Demande, type DomainEvent, demandeSummary } from '../demande.ts';

/**
 * A domain event about a demande: its summary (never personal data) plus what changed, and the
 * audience it had when it happened (its DALO decision and prioritaire label decide who sees it).
 */
export function event(
  name: DomainEvent['name'],
  demande: Demande,
  change: Record<string, unknown>,
): DomainEvent {
  return {
    name,
    subject: demande.numeroUnique,
    departement: demande.departement,
    data: { ...demandeSummary(demande), ...change },
    audience: {
      ...(demande.dalo ? { daloDecision: demande.dalo.decision } : {}),
      prioritaire: demande.prioritaire !== undefined,
    },
  };
}
