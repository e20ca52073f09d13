import { Piscina } from 'piscina';
import type { ProblemFieldError } from '../../services/http/problem.ts';
import { HttpProblem } from '../../services/http/problem.ts';
import type { ProblemCode } from '../../services/http/problem-codes.ts';
import type { InboundMessage } from '../../services/pipeline/inbound.ts';
import type { SptDecoder, SptVersion } from './version.ts';
import type { XmlLimits } from './xml-document.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Where the SPT lot routes decode their XML (`LotDecoding`). */
    sptLotDecoding: LotDecoding;
  }
}

/** A lot for a decoding thread: the version's name stands for its decoder, which the thread builds. */
export interface DecodeTask {
  version: string;
  limits: XmlLimits;
  body: Uint8Array;
  contentType: string | undefined;
}

/** What a thread answers: the lot's messages, or the problem that refuses the lot whole. */
export type DecodeOutcome =
  | { messages: InboundMessage[] }
  | {
      problem: {
        code: ProblemCode;
        detail: string;
        errors: ProblemFieldError[] | undefined;
        extra: Record<string, unknown> | undefined;
      };
    };

/**
 * Decodes SPT lots on worker threads, beside the API's event loop. A lot of 500 costs about 30 ms of
 * decoding (the XML's structure checked whole, then each element parsed, validated and mapped): on
 * the event loop it delayed every request that came meanwhile, a single filing's 202 among them,
 * even cut into slices. On a thread, the event loop only copies the body there and the messages back.
 *
 * With `threads` 0, or if a thread fails for any other reason than the lot itself (it crashed, it
 * could not start), the lot is decoded on the event loop in slices, as before: a lot is never lost
 * to the threads. The threads start with the first lot.
 */
export class LotDecoding {
  private pool: Piscina<DecodeTask, DecodeOutcome> | undefined;
  /** Lots a thread decoded (or refused), since the start. */
  decodedOnThreads = 0;

  constructor(
    private readonly threads: number,
    private readonly log: { warn(details: object, message: string): void },
  ) {}

  /** The lot's messages, or the HttpProblem that refuses it (the same as `decoder.readLot` gives). */
  async read(
    version: SptVersion,
    decoder: SptDecoder,
    limits: XmlLimits,
    body: Uint8Array,
    contentType: string | undefined,
  ): Promise<InboundMessage[]> {
    const outcome = await this.onThread({ version: version.name, limits, body, contentType });
    if (!outcome) return decoder.readLotInSlices(body, contentType);
    if ('messages' in outcome) return outcome.messages;
    const { code, detail, errors, extra } = outcome.problem;
    throw new HttpProblem(code, detail, { errors, extra });
  }

  private async onThread(task: DecodeTask): Promise<DecodeOutcome | undefined> {
    if (this.threads === 0) return undefined;
    this.pool ??= new Piscina({
      filename: new URL('./lot-decoding-thread.ts', import.meta.url).href,
      minThreads: this.threads,
      maxThreads: this.threads,
      // The thread loads TypeScript as the process does, whoever started the process and from
      // whichever directory (tests too): tsx's loader by its path.
      execArgv: ['--import', import.meta.resolve('tsx')],
    });
    try {
      const outcome = await this.pool.run(task);
      this.decodedOnThreads++;
      return outcome;
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'a lot decoding thread failed: decoded in process');
      return undefined;
    }
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
    this.pool = undefined;
  }
}
