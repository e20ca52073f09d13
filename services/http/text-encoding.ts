import { HttpProblem } from './problem.ts';

/** The media type of a Content-Type header, lower-case and without parameters (`''` when absent). */
export function mediaTypeOf(contentType: string | undefined): string {
  return contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * The `charset` parameter of a Content-Type header as sent (quotes removed, case kept), or
 * `undefined` when the header names none.
 */
export function charsetOf(contentType: string | undefined): string | undefined {
  return contentType ? /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)?.[1] : undefined;
}

/** The charset labels that name UTF-8, lower-case. */
const UTF8_LABELS = new Set(['utf-8', 'utf8']);

/**
 * `fatal`: an invalid sequence throws instead of becoming U+FFFD. `ignoreBOM`: a byte order mark
 * stays in the text, as Fastify's own decoding left it (JSON.parse then refuses it).
 */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text of a JSON request body. JSON is UTF-8 (interfaces.md §1, RFC 8259 §8.1): a body in any
 * other encoding is refused rather than decoded with U+FFFD in place of its accents, which would
 * register "H�l�ne" for "Hélène" and answer 202 as if nothing happened.
 *
 * @throws HttpProblem 415 `ENCODING_UNSUPPORTED` when the Content-Type names another charset,
 *   400 `ENCODING_INVALID` when the bytes are not UTF-8, with the offset of the first bad one.
 */
export function jsonBodyText(body: Uint8Array, contentType: string | undefined): string {
  const charset = charsetOf(contentType);
  if (charset !== undefined && !UTF8_LABELS.has(charset.toLowerCase())) {
    throw new HttpProblem(
      'ENCODING_UNSUPPORTED',
      `JSON bodies must be UTF-8, not ${JSON.stringify(charset)}: send the body encoded as UTF-8, with charset=utf-8 or no charset.`,
    );
  }
  try {
    return STRICT_UTF8.decode(body);
  } catch {
    const offset = firstInvalidUtf8Offset(body);
    const where = offset === undefined ? '' : ` (byte 0x${body[offset]?.toString(16)} at offset ${offset})`;
    throw new HttpProblem(
      'ENCODING_INVALID',
      `JSON bodies must be UTF-8: the body is not valid UTF-8${where}. Encode it as UTF-8 (a Latin-1 or windows-1252 text is not).`,
    );
  }
}

/**
 * The byte offset of the first sequence that is not UTF-8. Only for a body the strict decoder
 * refused: the lossy decoder's first U+FFFD that was not sent as such (EF BF BD) marks the spot,
 * and every character before it re-encodes to exactly the bytes it came from.
 */
export function firstInvalidUtf8Offset(body: Uint8Array): number | undefined {
  const lossy = new TextDecoder('utf-8', { ignoreBOM: true }).decode(body);
  let offset = 0;
  let from = 0;
  for (let i = lossy.indexOf('\uFFFD'); i !== -1; i = lossy.indexOf('\uFFFD', i + 1)) {
    offset += Buffer.byteLength(lossy.slice(from, i));
    if (body[offset] !== 0xef || body[offset + 1] !== 0xbf || body[offset + 2] !== 0xbd) return offset;
    offset += 3;
    from = i + 1;
  }
  return undefined;
}
