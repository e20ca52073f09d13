import { type ExampleCheck, loadJsonContract } from '../../shared/json-messages.ts';
import { decisionToCommand } from './mapper.ts';

/** DALO v1: `contracts/dalo/v1/`, one message type, `decision`. */
export const daloV1 = loadJsonContract(
  new URL('../../../contracts/dalo/v1/', import.meta.url),
  { system: 'dalo', version: 'v1' },
  { decision: decisionToCommand },
);

/** Every example of `contracts/dalo/v1/examples/`, validated and mapped (for the contract registry test). */
export function checkDaloV1Examples(): ExampleCheck[] {
  return daloV1.checkExamples();
}
