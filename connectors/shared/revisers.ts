import type { FastifyInstance } from 'fastify';
import type { MessageReviser } from '../../services/pipeline/ops/revisers.ts';
import type { JsonContractVersion } from './json-messages.ts';

/**
 * Registers a connector's reviser with the hub (operators' replays with a corrected payload). An app
 * built without the operators' routes (a connector's own tests) has no registry: nothing to do.
 */
export function registerReviser(app: FastifyInstance, system: string, reviser: MessageReviser): void {
  if (app.hasDecorator('revisers')) app.revisers.register(system, reviser);
}

/**
 * The reviser of JSON contracts: the corrected body is parsed and decoded by its contract version,
 * exactly as a request's body is (for the portail's messages about a demande, `numeroUnique` is in
 * the body, as the stored `raw` shows it). Text that is not JSON is a contract error.
 */
export function jsonReviser(versions: readonly JsonContractVersion[]): MessageReviser {
  return ({ version, type, raw }) => {
    const contract = versions.find((v) => v.version === version);
    if (!contract) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      return {
        id: '',
        type,
        raw,
        errors: [{ code: 'CONTRACT_INVALID', path: '', message: `not JSON: ${(error as Error).message}` }],
      };
    }
    return contract.decode(type, raw, value);
  };
}
