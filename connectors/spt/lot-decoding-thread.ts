/**
 * A lot decoding thread (`LotDecoding`): decodes one lot as the version's decoder does on the event
 * loop. A lot refused whole comes back as its problem's fields (a thrown HttpProblem would lose its
 * class on its way back); any other error is thrown, and the lot is then decoded in process.
 */
import { HttpProblem } from '../../services/http/problem.ts';
import type { DecodeOutcome, DecodeTask } from './lot-decoding.ts';
import type { SptDecoder } from './version.ts';
import { SPT_VERSIONS } from './versions.ts';

/** Each version's decoder for given limits, built at its first lot. */
const decoders = new Map<string, SptDecoder>();

export default function decodeLot({ version, limits, body, contentType }: DecodeTask): DecodeOutcome {
  const key = `${version}|${limits.maxBytes}|${limits.maxMessages}`;
  let decoder = decoders.get(key);
  if (!decoder) {
    const served = SPT_VERSIONS.find((v) => v.name === version);
    if (!served) throw new Error(`SPT version ${version} is not served`);
    decoder = served.createDecoder(limits);
    decoders.set(key, decoder);
  }
  try {
    return { messages: decoder.readLot(body, contentType) };
  } catch (error) {
    if (!(error instanceof HttpProblem)) throw error;
    return { problem: { code: error.code, detail: error.message, errors: error.errors, extra: error.extra } };
  }
}
