import { XMLParser } from 'fast-xml-parser';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../services/core/actor.ts';
import errorsPlugin from '../../services/http/plugins/errors.ts';
import type { Intake, LotReceipt, LotSubmission } from '../../services/pipeline/inbound.ts';
import { sptConnector } from './index.ts';
import { V1_DEPRECATED_AT, V1_SUNSET_AT } from './v1/version.ts';

/**
 * The connector's route in a bare Fastify: an in-memory intake records what it is handed, and a
 * header stands in for authentication. The hub's own HTTP tests run it with the real app and database.
 */
class RecordingIntake implements Intake {
  readonly lots: LotSubmission[] = [];
  async acceptLot(submission: LotSubmission): Promise<LotReceipt> {
    this.lots.push(submission);
    const messages = submission.messages.map((m, i) => ({
      id: m.id,
      messageId: `msg-${i + 1}`,
      status: m.command ? ('accepted' as const) : ('rejected' as const),
      ...(m.errors ? { errors: m.errors } : {}),
    }));
    const accepted = messages.filter((m) => m.status === 'accepted').length;
    return {
      lotId: 'lot-1',
      received: messages.length,
      accepted,
      rejected: messages.length - accepted,
      messages,
    };
  }
}

const actors: Record<string, Actor> = {
  bailleur: {
    clientId: 'lille-habitat',
    role: 'bailleur',
    organisme: '123456789',
    departements: ['59'],
    codeGuichet: 'LH59A',
  },
  guichet: {
    clientId: 'mairie-arras',
    role: 'guichet',
    organisme: '216200410',
    departements: ['62'],
    codeGuichet: 'ARR62',
  },
};

let app: FastifyInstance;
let intake: RecordingIntake;

beforeEach(async () => {
  intake = new RecordingIntake();
  app = Fastify();
  await app.register(errorsPlugin);
  app.decorate('intake', intake);
  app.decorateRequest('actor', undefined as unknown as Actor);
  app.addHook('onRequest', async (request) => {
    const role = request.headers['x-test-role'];
    request.actor = actors[typeof role === 'string' ? role : 'bailleur'] as Actor;
  });
  await app.register(sptConnector, { maxLotBytes: 64 * 1024, maxLotMessages: 50 });
  await app.ready();
});

afterEach(async () => {
  await app.close();
});

const LOT = `<?xml version="1.0" encoding="UTF-8"?>
<lot xmlns="urn:sne:spt:2">
  <renouvellement id="M-1"><demande numeroUnique="0591013000042LH59A"/><dateRenouvellement>2014-09-20</dateRenouvellement></renouvellement>
  <radiation id="M-2"><demande numeroUnique="0591013000042LH59A"/><motif>abandon</motif><dateRadiation>2014-05-32</dateRadiation></radiation>
  <attribution id="M-3"><demande referenceGuichet="LH-1"/><logement>5900001234</logement><dateSignatureBail>2014-05-02</dateSignatureBail><contingent>prefet</contingent></attribution>
</lot>`;

function post(body: string | Buffer, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/connectors/spt/v2/lots',
    payload: body,
    headers: { 'content-type': 'application/xml', ...headers },
  });
}

describe('POST /connectors/spt/v2/lots', () => {
  it('hands every message to the intake and replies 202 with the receipt', async () => {
    const response = await post(LOT);
    expect(response.statusCode).toBe(202);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({
      lotId: 'lot-1',
      received: 3,
      accepted: 2,
      rejected: 1,
      messages: [
        { id: 'M-1', messageId: 'msg-1', status: 'accepted' },
        {
          id: 'M-2',
          messageId: 'msg-2',
          status: 'rejected',
          errors: [
            {
              code: 'CONTRACT_INVALID',
              path: '/dateRadiation',
              message: 'must be a real calendar date YYYY-MM-DD',
            },
          ],
        },
        { id: 'M-3', messageId: 'msg-3', status: 'accepted' },
      ],
    });
    const [submission] = intake.lots;
    expect(submission).toMatchObject({ actor: actors.bailleur, system: 'spt', version: 'v2' });
    expect(submission?.messages.map((m) => m.raw)).toEqual(
      LOT.split('\n')
        .slice(2, 5)
        .map((line) => line.trim()),
    );
    expect(submission?.messages[0]?.command).toEqual({
      type: 'renouvellement',
      demande: { numeroUnique: '0591013000042LH59A' },
      dateRenouvellement: '2014-09-20',
    });
  });

  it("rejects a guichet's attribution as FORBIDDEN, and only that message", async () => {
    const response = await post(LOT, { 'x-test-role': 'guichet' });
    expect(response.statusCode).toBe(202);
    const attribution = intake.lots[0]?.messages[2];
    expect(attribution?.command).toBeUndefined();
    expect(attribution?.errors).toEqual([
      { code: 'FORBIDDEN', path: '', message: 'Only a bailleur may send an attribution.' },
    ]);
    expect(response.json().messages[0].status).toBe('accepted');
  });

  it('replies <accuse> in XML when Accept prefers it', async () => {
    const response = await post(LOT, { accept: 'application/xml' });
    expect(response.statusCode).toBe(202);
    expect(response.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(response.body).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<accuse xmlns="urn:sne:spt:2" lotId="lot-1"/,
    );
    const parsed = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (n) => ['message', 'error'].includes(n),
    }).parse(response.body);
    expect(parsed.accuse).toMatchObject({
      xmlns: 'urn:sne:spt:2',
      lotId: 'lot-1',
      received: '3',
      accepted: '2',
      rejected: '1',
      message: [
        { id: 'M-1', messageId: 'msg-1', status: 'accepted' },
        {
          id: 'M-2',
          messageId: 'msg-2',
          status: 'rejected',
          error: [
            {
              code: 'CONTRACT_INVALID',
              path: '/dateRadiation',
              '#text': 'must be a real calendar date YYYY-MM-DD',
            },
          ],
        },
        { id: 'M-3', messageId: 'msg-3', status: 'accepted' },
      ],
    });
  });

  it.each([
    ['text/xml', undefined],
    ['text/xml; charset=iso-8859-1', 'latin1'],
    ['application/xml;charset=UTF-8', undefined],
  ] as const)('accepts Content-Type %s', async (contentType, encoding) => {
    const body = Buffer.from(
      LOT.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?>'),
      encoding ?? 'utf8',
    );
    expect((await post(body, { 'content-type': contentType })).statusCode).toBe(202);
  });

  it('refuses another media type with 415', async () => {
    const response = await post('{"id":"x"}', { 'content-type': 'application/json' });
    expect(response.statusCode).toBe(415);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(intake.lots).toHaveLength(0);
  });

  it('refuses a body over the byte limit with 413, before reading it', async () => {
    const response = await post(LOT.replace('</lot>', `<!-- ${'x'.repeat(70 * 1024)} --></lot>`));
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('refuses too many messages with 413 LOT_TOO_LARGE', async () => {
    const many = '<renouvellement id="R"/>'.repeat(51);
    const response = await post(`<lot xmlns="urn:sne:spt:2">${many}</lot>`);
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: 'LOT_TOO_LARGE' });
  });

  it.each([
    ['<!DOCTYPE lot [<!ENTITY a "b">]><lot xmlns="urn:sne:spt:2"/>', 400, 'XML_DOCTYPE_FORBIDDEN'],
    ['<lot xmlns="urn:sne:spt:2"><a></lot>', 400, 'XML_MALFORMED'],
    ['<LotDemandes version="1"/>', 400, 'XML_ROOT_INVALID'],
    ['<?xml version="1.0" encoding="EBCDIC-XYZ"?><lot/>', 415, 'ENCODING_UNSUPPORTED'],
  ] as const)('refuses an unusable document whole: %s', async (body, status, code) => {
    const response = await post(body);
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status, code });
    expect(intake.lots).toHaveLength(0);
  });

  it('refuses an invalid byte sequence for the declared encoding with 400 ENCODING_INVALID', async () => {
    const response = await post(Buffer.from(LOT.replace('M-1', 'Amélie'), 'latin1'));
    expect(response.json()).toMatchObject({ status: 400, code: 'ENCODING_INVALID' });
  });
});

describe('POST /connectors/spt/v1/lots (deprecated)', () => {
  const V1_LOT = `<?xml version="1.0" encoding="UTF-8"?>
<LotDemandes version="1">
  <Renouvellement idMessage="A3"><NumUnique>0591013000042LH59A</NumUnique><DateRenouvellement>20/09/2014</DateRenouvellement></Renouvellement>
</LotDemandes>`;
  const postV1 = (body: string, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/connectors/spt/v1/lots',
      payload: body,
      headers: { 'content-type': 'application/xml', ...headers },
    });
  const DEPRECATION_HEADERS = {
    deprecation: `@${V1_DEPRECATED_AT.getTime() / 1000}`,
    sunset: V1_SUNSET_AT.toUTCString(),
    link: '</connectors/spt/v2/lots>; rel="successor-version"',
  };

  it('hands the upcast commands to the intake as version v1, with Deprecation, Sunset and Link', async () => {
    const response = await postV1(V1_LOT);
    expect(response.statusCode).toBe(202);
    expect(response.headers).toMatchObject(DEPRECATION_HEADERS);
    expect(response.headers.sunset).toMatch(
      /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
    );
    expect(intake.lots[0]).toMatchObject({ system: 'spt', version: 'v1' });
    expect(intake.lots[0]?.messages[0]?.command).toEqual({
      type: 'renouvellement',
      demande: { numeroUnique: '0591013000042LH59A' },
      dateRenouvellement: '2014-09-20',
    });
  });

  it('says so on its problems too', async () => {
    const wrongRoot = await postV1('<lot xmlns="urn:sne:spt:2"/>');
    expect(wrongRoot.statusCode).toBe(400);
    expect(wrongRoot.headers).toMatchObject(DEPRECATION_HEADERS);
    const wrongType = await postV1('{}', { 'content-type': 'application/json' });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.headers).toMatchObject(DEPRECATION_HEADERS);
  });

  it('answers <accuse> without namespace, as v1 documents have none', async () => {
    const response = await postV1(V1_LOT, { accept: 'application/xml' });
    expect(response.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<accuse lotId="lot-1"/);
  });

  it('leaves v2 replies without deprecation headers', async () => {
    const response = await post(LOT);
    expect(response.headers).not.toHaveProperty('deprecation');
    expect(response.headers).not.toHaveProperty('sunset');
  });
});
