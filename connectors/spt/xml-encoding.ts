import { isAscii, isUtf8 } from 'node:buffer';
import { HttpProblem } from '../../services/http/problem.ts';
import { charsetOf } from '../../services/http/text-encoding.ts';
import { positionOf } from './text-position.ts';

interface Encoding {
  /** Canonical name (`ISO-8859-1`). */
  name: string;
  /** The WHATWG label it is decoded with. */
  decoderLabel: string;
  /** Bytes above 0x7F are refused (US-ASCII). */
  asciiOnly: boolean;
}

/**
 * The character encodings an XML lot may use, by every label senders are known to write
 * (compared case-insensitively), with the WHATWG label `TextDecoder` decodes them with.
 *
 * ISO-8859-1 is decoded as windows-1252, as the WHATWG Encoding standard (and every browser) does:
 * the two differ only on bytes 0x80-0x9F, which are C1 controls in ISO-8859-1 (no sender means them)
 * and `€`, `œ`, `’`... in windows-1252 (what French software writing "ISO-8859-1" actually sends).
 */
const ENCODINGS: Record<string, Encoding> = {};
for (const [name, decoderLabel, labels, asciiOnly] of [
  ['UTF-8', 'utf-8', ['utf-8', 'utf8']],
  [
    'ISO-8859-1',
    'windows-1252',
    ['iso-8859-1', 'iso8859-1', 'iso_8859-1', 'latin1', 'latin-1', 'l1', 'cp819'],
  ],
  ['windows-1252', 'windows-1252', ['windows-1252', 'cp1252', 'x-cp1252']],
  ['ISO-8859-15', 'iso-8859-15', ['iso-8859-15', 'iso8859-15', 'iso_8859-15', 'latin9', 'latin-9', 'l9']],
  ['US-ASCII', 'utf-8', ['us-ascii', 'ascii'], true],
] as const) {
  for (const label of labels) ENCODINGS[label] = { name, decoderLabel, asciiOnly: asciiOnly === true };
}

/** XML's default encoding. */
const UTF_8 = ENCODINGS['utf-8'] as Encoding;

/** The encodings accepted, for messages and documentation. */
export const SUPPORTED_ENCODINGS = [
  'UTF-8',
  'ISO-8859-1',
  'windows-1252',
  'ISO-8859-15',
  'US-ASCII',
] as const;

export interface DecodedXml {
  /** The document as text, without its byte order mark. */
  text: string;
  /** The encoding used, by its canonical name (`UTF-8`, `ISO-8859-1`...). */
  encoding: string;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Decodes an XML body. The encoding is the one of the XML declaration, else the `charset` of the
 * Content-Type, else UTF-8 (XML's default), in that order (interfaces.md §4). The declaration wins
 * over the header because it travels with the file: proxies and HTTP libraries often add a
 * `charset` they never checked (a Latin-1 file sent with `charset=utf-8` is read as declared). What
 * a wrong label would garble is refused instead of read: bytes that are UTF-8 under a single-byte
 * label (below), bytes that are not UTF-8 under a UTF-8 one (`fatal`).
 *
 * @throws HttpProblem 415 `ENCODING_UNSUPPORTED`, 400 `ENCODING_INVALID`.
 */
export function decodeXml(body: Uint8Array, contentType?: string): DecodedXml {
  if ((body[0] === 0xfe && body[1] === 0xff) || (body[0] === 0xff && body[1] === 0xfe)) {
    throw new HttpProblem('ENCODING_UNSUPPORTED', `UTF-16 is not accepted: ${supportedList()}.`);
  }
  const hasBom = UTF8_BOM.every((byte, i) => body[i] === byte);
  const declared = declaredEncoding(body.subarray(hasBom ? 3 : 0));
  const charset = declared === undefined ? charsetOf(contentType) : undefined;
  const source = declared ? 'the XML declaration' : charset ? 'the Content-Type charset' : 'default';
  const label = declared ?? charset;
  const encoding = label === undefined ? UTF_8 : supported(label, source);
  if (hasBom && encoding.name !== 'UTF-8') {
    throw new HttpProblem(
      'ENCODING_INVALID',
      `The body starts with a UTF-8 byte order mark but ${source} says ${encoding.name}.`,
    );
  }
  if (encoding.asciiOnly) {
    const index = body.findIndex((byte) => byte > 0x7f);
    if (index >= 0) {
      throw new HttpProblem(
        'ENCODING_INVALID',
        `Byte 0x${body[index]?.toString(16)} at offset ${index} is not US-ASCII (declared by ${source}).`,
      );
    }
  }
  if (encoding.decoderLabel !== 'utf-8') {
    // A single-byte decoder maps every byte, so it never fails: UTF-8 bytes declared ISO-8859-1
    // would come out as `AmÃ©lie` and be registered so. Latin-1 text whose every byte above 0x7F
    // happens to form a UTF-8 sequence is text like `Ã©` itself: no name is written that way.
    if (!isAscii(body) && isUtf8(body))
      throw new HttpProblem('ENCODING_INVALID', utf8Detail(body, encoding, source));
    if (encoding.decoderLabel === 'windows-1252')
      return { text: decodeWindows1252(body), encoding: encoding.name };
  }
  try {
    // `fatal` makes an invalid sequence an error instead of a silent U+FFFD: a lot whose names were
    // garbled by a wrong declaration must be refused, not registered with broken names.
    const text = new TextDecoder(encoding.decoderLabel, { fatal: true }).decode(body);
    return { text, encoding: encoding.name };
  } catch {
    throw new HttpProblem('ENCODING_INVALID', invalidBytesDetail(body, encoding, source));
  }
}

/**
 * The encoding a label names.
 * @throws HttpProblem 415 `ENCODING_UNSUPPORTED` for a label the hub does not read.
 */
function supported(label: string, source: string): Encoding {
  const encoding = ENCODINGS[label.toLowerCase()];
  if (encoding) return encoding;
  throw new HttpProblem(
    'ENCODING_UNSUPPORTED',
    `Encoding ${JSON.stringify(label)} (from ${source}) is not supported: ${supportedList()}.`,
  );
}

/** Says where the first character above U+007F is, and what it would have become. */
function utf8Detail(body: Uint8Array, encoding: Encoding, source: string): string {
  const text = new TextDecoder('utf-8').decode(body);
  const index = text.search(/[^\p{ASCII}]/u);
  const at = positionOf(text, index);
  const character = String.fromCodePoint(text.codePointAt(index) ?? 0);
  const bytes = Buffer.from(character, 'utf8');
  const garbled =
    encoding.decoderLabel === 'windows-1252'
      ? decodeWindows1252(bytes)
      : new TextDecoder(encoding.decoderLabel).decode(bytes);
  return (
    `The body is declared ${encoding.name} (by ${source}) but its bytes are UTF-8: "${character}" at line ${at.line}, ` +
    `column ${at.column} would read "${garbled}". Declare encoding="UTF-8" in the XML declaration, or send ${encoding.name} bytes.`
  );
}

/**
 * windows-1252 by hand: Node 20's `TextDecoder('windows-1252')` decodes it as ISO-8859-1 (bytes
 * 0x80-0x9F come out as C1 controls instead of `€`, `œ`, `’`...). Single-byte: it cannot fail.
 * The five bytes windows-1252 leaves undefined map to the C1 control of the same value, as WHATWG says.
 */
function decodeWindows1252(body: Uint8Array): string {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    .toString('latin1')
    .replace(/[\u0080-\u009F]/g, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80] ?? c);
}

const WINDOWS_1252_C1 = [...'€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ'];

/** The `encoding` pseudo-attribute of the XML declaration, read as ASCII (all accepted encodings agree on it). */
function declaredEncoding(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  const declaration = /^<\?xml\s[^>]*?\?>/.exec(head)?.[0];
  if (!declaration) return undefined;
  return /\sencoding\s*=\s*(["'])([^"']*)\1/.exec(declaration)?.[2];
}

function supportedList(): string {
  return `send ${SUPPORTED_ENCODINGS.join(', ')} and declare it in the XML declaration`;
}

/** Only UTF-8 can fail (single-byte decoders map every byte): point at the first bad sequence. */
function invalidBytesDetail(body: Uint8Array, encoding: Encoding, source: string): string {
  const lossy = new TextDecoder('utf-8').decode(body);
  const index = lossy.indexOf('\uFFFD');
  const at = index >= 0 ? positionOf(lossy, index) : undefined;
  const where = at ? ` at line ${at.line}, column ${at.column}` : '';
  return `The body is not valid ${encoding.name} (as declared by ${source})${where}: check the encoding declared in the XML declaration matches the bytes sent.`;
}
