import type { InboundMessage, MessageError } from '../../../services/pipeline/inbound.ts';
import {
  isBusinessDate,
  MAX_BUSINESS_DATE,
  MIN_BUSINESS_DATE,
} from '../../../services/shared/business-date.ts';
import { capErrors, loadContract } from '../contract.ts';
import type { JsonObject } from '../contract-json.ts';
import { sptDecoder } from '../decoder.ts';
import type { SptDecoder } from '../version.ts';
import { createXmlReader, type XmlLimits, type XmlMessageElement } from '../xml-document.ts';
import { isoDate } from './dates.ts';
import { toCommand } from './mapper.ts';
import { V1_MESSAGE_TYPES, type V1Message } from './messages.ts';
import { toContractJson, V1_DIALECT } from './transport.ts';

const contract = loadContract(new URL('../../../contracts/spt/v1/', import.meta.url), V1_MESSAGE_TYPES);

/** SPT v1: XML element → contract JSON → validated against the v1 schemas → canonical command. */
export function createV1Decoder(limits: XmlLimits = {}): SptDecoder {
  return sptDecoder(createXmlReader(V1_DIALECT, limits), decodeMessage);
}

function decodeMessage(element: XmlMessageElement): InboundMessage {
  const { raw } = element;
  const result = toContractJson(element);
  if ('errors' in result) return { id: result.id, type: result.type, raw, errors: result.errors };
  const { id, type, json } = result;
  const errors = capErrors([
    ...contract.validate(type, json),
    ...calendarErrors(json),
    ...communeErrors(json),
  ]);
  if (errors.length > 0) return { id, type, raw, errors };
  return { id, type, raw, command: toCommand({ type, body: json } as unknown as V1Message) };
}

const DATE_FIELDS = ['DateDepot', 'DateNaissance', 'DateRenouvellement', 'DateRadiation', 'DateBail'];

/**
 * What the schema cannot say: a `DD/MM/YYYY` date must exist (no 31/02/2014) and lie in the range
 * of business dates (01/01/1900 to 31/12/2099, as in every contract). Dates not even of that shape
 * are the schema's to report.
 */
function calendarErrors(json: JsonObject): MessageError[] {
  const errors: MessageError[] = [];
  for (const field of DATE_FIELDS) {
    const value = json[field];
    if (typeof value !== 'string' || !/^\d{2}\/\d{2}\/\d{4}$/.test(value)) continue;
    const iso = isoDate(value);
    if (iso === undefined) {
      errors.push({
        code: 'CONTRACT_INVALID',
        path: `/${field}`,
        message: 'must be a real calendar date DD/MM/YYYY',
      });
    } else if (!isBusinessDate(iso)) {
      errors.push({ code: 'CONTRACT_INVALID', path: `/${field}`, message: V1_OUT_OF_RANGE_MESSAGE });
    }
  }
  return errors;
}

const V1_OUT_OF_RANGE_MESSAGE = `must lie between ${v1Date(MIN_BUSINESS_DATE)} and ${v1Date(MAX_BUSINESS_DATE)}`;

function v1Date(iso: string): string {
  return iso.split('-').reverse().join('/');
}

/** Nor can it say that each commune appears once (the ranking must be unambiguous, as in v2). */
function communeErrors(json: JsonObject): MessageError[] {
  const seen = new Set<string>();
  const errors: MessageError[] = [];
  for (const field of ['Commune1', 'Commune2', 'Commune3', 'Commune4', 'Commune5']) {
    const code = json[field];
    if (typeof code !== 'string') continue;
    if (seen.has(code))
      errors.push({
        code: 'CONTRACT_INVALID',
        path: `/${field}`,
        message: `commune ${code} appears more than once`,
      });
    seen.add(code);
  }
  return errors;
}
