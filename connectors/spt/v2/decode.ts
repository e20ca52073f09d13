import type { InboundMessage, MessageError } from '../../../services/pipeline/inbound.ts';
import { capErrors, loadContract } from '../contract.ts';
import type { JsonValue } from '../contract-json.ts';
import { sptDecoder } from '../decoder.ts';
import type { SptDecoder } from '../version.ts';
import { createXmlReader, type XmlLimits, type XmlMessageElement } from '../xml-document.ts';
import { toCommand } from './mapper.ts';
import { V2_MESSAGE_TYPES, type V2Message } from './messages.ts';
import { toContractJson, V2_DIALECT } from './transport.ts';

const contract = loadContract(new URL('../../../contracts/spt/v2/', import.meta.url), V2_MESSAGE_TYPES);

/** SPT v2: XML element → contract JSON → validated against the v2 schemas → canonical command. */
export function createV2Decoder(limits: XmlLimits = {}): SptDecoder {
  return sptDecoder(createXmlReader(V2_DIALECT, limits), decodeMessage);
}

function decodeMessage(element: XmlMessageElement): InboundMessage {
  const { raw } = element;
  const result = toContractJson(element);
  if ('errors' in result) return { id: result.id, type: result.type, raw, errors: result.errors };
  const { id, type, json } = result;
  const errors = capErrors([...contract.validate(type, json), ...rankErrors(json.communesSouhaitees)]);
  if (errors.length > 0) return { id, type, raw, errors };
  return { id, type, raw, command: toCommand({ type, body: json } as unknown as V2Message) };
}

/** What a schema cannot say: ranks and communes appear once each (the ranking must be unambiguous). */
function rankErrors(communes: JsonValue | undefined): MessageError[] {
  if (!Array.isArray(communes)) return [];
  const errors: MessageError[] = [];
  for (const field of ['rang', 'code'] as const) {
    const seen = new Set<JsonValue>();
    communes.forEach((commune, index) => {
      const value = typeof commune === 'object' && !Array.isArray(commune) ? commune[field] : undefined;
      if (typeof value !== 'string') return;
      if (seen.has(value)) {
        errors.push({
          code: 'CONTRACT_INVALID',
          path: `/communesSouhaitees/${index}/${field}`,
          message: `${field} ${value} appears more than once`,
        });
      }
      seen.add(value);
    });
  }
  return errors;
}
