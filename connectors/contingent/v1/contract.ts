import { type ExampleCheck, loadJsonContract } from '../../shared/json-messages.ts';
import { designationToCommand, labellisationToCommand } from './mapper.ts';

/** Contingent v1: `contracts/contingent/v1/`, message types `labellisation` and `designation`. */
export const contingentV1 = loadJsonContract(
  new URL('../../../contracts/contingent/v1/', import.meta.url),
  { system: 'contingent', version: 'v1' },
  { labellisation: labellisationToCommand, designation: designationToCommand },
);

/** Every example of `contracts/contingent/v1/examples/`, validated and mapped (for the contract registry test). */
export function checkContingentV1Examples(): ExampleCheck[] {
  return contingentV1.checkExamples();
}
