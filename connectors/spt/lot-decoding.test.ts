import { afterAll, describe, expect, it } from 'vitest';
import { enregistrement, lot } from '../../test/helpers/spt.ts';
import { LotDecoding } from './lot-decoding.ts';
import { sptV2 } from './v2/version.ts';
import type { SptVersion } from './version.ts';

/** `LotDecoding`: a lot decoded on a thread is the lot decoded on the event loop, problems included. */
const limits = { maxBytes: 1024 * 1024, maxMessages: 1000 };
const decoder = sptV2.createDecoder(limits);
const warnings: string[] = [];
const decoding = new LotDecoding(1, { warn: (_details, message) => warnings.push(message) });

afterAll(() => decoding.close());

const body = Buffer.from(
  lot(
    ...Array.from({ length: 200 }, (_, i) =>
      enregistrement({ id: `T-${i}`, ref: `REF-${i}`, typologie: i % 9 === 0 ? 'T9' : 'T3' }),
    ),
  ),
);

describe('lots decoded on a thread', () => {
  it('gives the messages the event loop would, valid and invalid', async () => {
    const messages = await decoding.read(sptV2, decoder, limits, body, 'application/xml');
    expect(messages).toEqual(decoder.readLot(body, 'application/xml'));
    expect(messages.filter((m) => m.errors).length).toBe(23);
    expect(decoding.decodedOnThreads).toBe(1);
  });

  it('refuses a lot with the same problem: code, detail and position', async () => {
    const broken = Buffer.from('<lot xmlns="urn:sne:spt:2">\n<enregistrement id="A">');
    const expected = (() => {
      try {
        decoder.readLot(broken);
      } catch (error) {
        return error;
      }
    })();
    const refused = await decoding.read(sptV2, decoder, limits, broken, undefined).catch((error) => error);
    expect(refused).toMatchObject({
      name: 'HttpProblem',
      code: 'XML_MALFORMED',
      status: 400,
      message: (expected as Error).message,
      extra: (expected as { extra: unknown }).extra,
    });
    const tooMany = Buffer.from(
      lot(...Array.from({ length: 3 }, (_, i) => enregistrement({ id: `M-${i}` }))),
    );
    await expect(
      decoding.read(sptV2, sptV2.createDecoder({ maxMessages: 2 }), { maxMessages: 2 }, tooMany, undefined),
    ).rejects.toMatchObject({ code: 'LOT_TOO_LARGE', status: 413 });
    expect(decoding.decodedOnThreads).toBe(3);
  });

  it('decodes on the event loop when the thread fails, and says so', async () => {
    // A version the thread does not know makes it throw: the lot is decoded in process instead.
    const unknown: SptVersion = { ...sptV2, name: 'v9' };
    const messages = await decoding.read(unknown, decoder, limits, body, 'application/xml');
    expect(messages).toEqual(decoder.readLot(body, 'application/xml'));
    expect(warnings).toEqual(['a lot decoding thread failed: decoded in process']);
    expect(decoding.decodedOnThreads).toBe(3);
  });

  it('decodes on the event loop with no thread', async () => {
    const inProcess = new LotDecoding(0, { warn: () => {} });
    expect(await inProcess.read(sptV2, decoder, limits, body, undefined)).toEqual(decoder.readLot(body));
    expect(inProcess.decodedOnThreads).toBe(0);
    await inProcess.close();
  });
});
