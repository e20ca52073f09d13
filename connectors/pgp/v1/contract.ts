import { type ExampleCheck, loadJsonContract } from '../../shared/json-messages.ts';
import {
  abandonToCommand,
  demandeToCommand,
  modificationToCommand,
  renouvellementToCommand,
} from './mapper.ts';

/**
 * PGP v1: `contracts/pgp/v1/`, four message types sharing `common.schema.json`. For the messages
 * about an existing demande, the message holds the `numeroUnique` of the request's path (see
 * `../transport.ts`), so a stored message is whole on its own.
 */
export const pgpV1 = loadJsonContract(
  new URL('../../../contracts/pgp/v1/', import.meta.url),
  { system: 'pgp', version: 'v1' },
  {
    demande: demandeToCommand,
    modification: modificationToCommand,
    renouvellement: renouvellementToCommand,
    abandon: abandonToCommand,
  },
  { shared: ['common'] },
);

/** Every example of `contracts/pgp/v1/examples/`, validated and mapped (for the contract registry test). */
export function checkPgpV1Examples(): ExampleCheck[] {
  return pgpV1.checkExamples();
}
