import { isAscii } from 'node:buffer';
import { HttpProblem } from '../../../services/http/problem.ts';

/**
 * The RPLS CSV transport: the declared charset, then the body as a stream of lines, decoded one by
 * one. A line ends at LF (CRLF accepted); no field may span lines, so a broken line (an unterminated
 * quote, invalid bytes) is one rejected row and the next line starts clean. Memory stays flat: a
 * chunk is split into lines as it arrives and only a line still incomplete is kept (at most
 * `maxLineBytes`; a longer one is skipped to its end).
 */

export type Charset = 'utf-8' | 'iso-8859-1';

/** Charsets accepted in `Content-Type`, by their lower-case names and common aliases. */
const CHARSETS: Record<string, Charset> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'iso-8859-1': 'iso-8859-1',
  iso_8859_1: 'iso-8859-1',
  'iso_8859-1': 'iso-8859-1',
  latin1: 'iso-8859-1',
};

/** `text/csv`, with `charset` utf-8 (the default) or iso-8859-1; anything else is 415. */
export function csvCharset(contentType: string | undefined): Charset {
  const [mediaType = '', ...parameters] = (contentType ?? '').split(';').map((part) => part.trim());
  if (mediaType.toLowerCase() !== 'text/csv') {
    throw new HttpProblem(
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the file as text/csv; charset=utf-8 (or charset=iso-8859-1).',
    );
  }
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=').map((part) => part.trim());
    if (name.toLowerCase() !== 'charset') continue;
    const charset = CHARSETS[value.replace(/^"|"$/g, '').toLowerCase()];
    if (!charset) {
      throw new HttpProblem(
        'ENCODING_UNSUPPORTED',
        `Charset ${value} is not accepted: use utf-8 or iso-8859-1.`,
      );
    }
    return charset;
  }
  return 'utf-8';
}

/** One line of the file: its text, or why it could not be read. Empty lines are not given. */
export type CsvLine =
  | { line: number; text: string }
  | {
      line: number;
      error: { code: string; message: string };
      /** A line not valid in its charset, read byte for byte as Latin-1: only to name its logement. */
      latin1?: string;
    };

export interface CsvLineOptions {
  charset: Charset;
  /** Largest body, bytes: beyond, 413 PAYLOAD_TOO_LARGE. */
  maxBytes: number;
  /** Longest line, bytes: a longer line is one error CSV_LINE_TOO_LONG. */
  maxLineBytes: number;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The lines of `body`, in batches (one per chunk received), numbered from 1. */
export async function* csvLines(
  body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  options: CsvLineOptions,
): AsyncGenerator<CsvLine[]> {
  const decode = lineDecoder(options.charset);
  let received = 0;
  let line = 0;
  /** The start of the current line, from earlier chunks; `undefined` once it is known too long. */
  let pending: Buffer[] | undefined = [];
  let pendingBytes = 0;

  const complete = (bytes: Buffer | undefined): CsvLine | undefined => {
    line++;
    if (bytes === undefined || bytes.length > options.maxLineBytes) {
      return {
        line,
        error: {
          code: 'CSV_LINE_TOO_LONG',
          message: `The line is longer than ${options.maxLineBytes} bytes.`,
        },
      };
    }
    let content = bytes.at(-1) === 0x0d ? bytes.subarray(0, -1) : bytes;
    if (line === 1 && options.charset === 'utf-8' && content.subarray(0, 3).equals(UTF8_BOM)) {
      content = content.subarray(3);
    }
    if (content.length === 0) return undefined;
    const text = decode(content);
    return text === undefined
      ? {
          line,
          error: { code: 'CSV_ENCODING_INVALID', message: `The line is not valid ${options.charset}.` },
          latin1: content.toString('latin1'),
        }
      : { line, text };
  };

  for await (const data of body) {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    received += chunk.length;
    if (received > options.maxBytes) {
      throw new HttpProblem(
        'PAYLOAD_TOO_LARGE',
        `The file is larger than ${options.maxBytes} bytes; nothing was kept. Split it by bailleur.`,
      );
    }
    if (line === 0) refuseLoneCarriageReturns(pending?.length ? Buffer.concat([...pending, chunk]) : chunk);
    const lines: CsvLine[] = [];
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      const tail = chunk.subarray(start, end);
      const bytes =
        pending === undefined ? undefined : pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
      const read = complete(bytes);
      if (read) lines.push(read);
      pending = [];
      pendingBytes = 0;
      start = end + 1;
    }
    if (start < chunk.length && pending !== undefined) {
      pendingBytes += chunk.length - start;
      // Copied: a slice would keep the whole chunk alive until the line ends.
      pending =
        pendingBytes > options.maxLineBytes ? undefined : [...pending, Buffer.from(chunk.subarray(start))];
    }
    yield lines;
  }
  if (pending === undefined || pendingBytes > 0) {
    const read = complete(pending === undefined ? undefined : Buffer.concat(pending));
    if (read) yield [read];
  }
}

/** Decodes one line; undefined when its bytes are not valid in the charset. */
function lineDecoder(charset: Charset): (bytes: Buffer) => string | undefined {
  if (charset === 'iso-8859-1') return (bytes) => bytes.toString('latin1');
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  return (bytes) => {
    // Most RPLS lines are ASCII: decoding them needs no validation.
    if (isAscii(bytes)) return bytes.toString('latin1');
    try {
      return strict.decode(bytes);
    } catch {
      return undefined;
    }
  };
}

/**
 * Lines ending with a lone CR (old Mac files) would make the whole file one line: refused at its
 * first bytes, saying why, rather than after reading it all as a header line too long to read.
 * `start` is the file's beginning up to its first line feed (or all read so far).
 */
function refuseLoneCarriageReturns(start: Buffer): void {
  const firstLineFeed = start.indexOf(0x0a);
  const head = firstLineFeed === -1 ? start : start.subarray(0, firstLineFeed);
  const carriageReturn = head.indexOf(0x0d);
  if (carriageReturn !== -1 && carriageReturn < head.length - 1) {
    throw new HttpProblem(
      'CSV_HEADER_INVALID',
      'The lines end with a lone carriage return: end them with LF or CRLF. Nothing was kept.',
    );
  }
}
