import type { DaloDecisionCommand, DecisionDalo, IsoDate } from '../../../services/core/commands.ts';

/** A DALO v1 decision as `contracts/dalo/v1/decision.schema.json` defines it. */
export interface DecisionV1 {
  id: string;
  numeroUnique: string;
  decision: DecisionDalo;
  dateDecision: IsoDate;
  departementCommission: string;
}

/** DALO v1 decision → canonical command. Pure; its input is valid against its contract. */
export function decisionToCommand(body: DecisionV1): DaloDecisionCommand {
  return {
    type: 'dalo-decision',
    demande: { numeroUnique: body.numeroUnique },
    decision: body.decision,
    dateDecision: body.dateDecision,
    departementCommission: body.departementCommission,
  };
}
