import type {
  CategoriePrioritaire,
  DesignationCommand,
  IsoDate,
  LabellisationCommand,
} from '../../../services/core/commands.ts';

/** A contingent v1 labellisation as `contracts/contingent/v1/labellisation.schema.json` defines it. */
export interface LabellisationV1 {
  id: string;
  numeroUnique: string;
  categorie: CategoriePrioritaire;
  dateLabellisation: IsoDate;
}

/** A contingent v1 désignation as `contracts/contingent/v1/designation.schema.json` defines it. */
export interface DesignationV1 {
  id: string;
  numeroUnique: string;
  /** RPLS identifier of the logement. */
  logement: string;
  dateDesignation: IsoDate;
}

/** Contingent v1 labellisation → canonical command. Pure; its input is valid against its contract. */
export function labellisationToCommand(body: LabellisationV1): LabellisationCommand {
  return {
    type: 'labellisation',
    demande: { numeroUnique: body.numeroUnique },
    categorie: body.categorie,
    dateLabellisation: body.dateLabellisation,
  };
}

/** Contingent v1 désignation → canonical command. Pure; its input is valid against its contract. */
export function designationToCommand(body: DesignationV1): DesignationCommand {
  return {
    type: 'designation',
    demande: { numeroUnique: body.numeroUnique },
    logement: body.logement,
    dateDesignation: body.dateDesignation,
  };
}
