import { describe, expect, it } from 'vitest';
import { messageOfRequest } from './transport.ts';

const NUMERO = '0590314000001GDPUB';
const body = (text: string) => ({ text, value: JSON.parse(text) as unknown });

describe('a request body as a PGP v1 message', () => {
  it('keeps a demande’s text as sent', () => {
    const text = '{ "id": "D-1" }';
    expect(messageOfRequest('demande', body(text)).raw).toBe(text);
  });

  it('puts the numéro of the path first in the message and in its raw text, the rest as sent', () => {
    const text = '{\n  "id": "R-1",\n  "dateRenouvellement": "2015-02-15"\n}';
    const message = messageOfRequest('renouvellement', body(text), NUMERO);
    expect(message.raw).toBe(
      `{"numeroUnique":"${NUMERO}",\n  "id": "R-1",\n  "dateRenouvellement": "2015-02-15"\n}`,
    );
    expect(JSON.parse(message.raw)).toEqual({
      numeroUnique: NUMERO,
      id: 'R-1',
      dateRenouvellement: '2015-02-15',
    });
    expect(message.command).toEqual({
      type: 'renouvellement',
      demande: { numeroUnique: NUMERO },
      dateRenouvellement: '2015-02-15',
    });
  });

  it('gives an empty object its numéro without a dangling comma', () => {
    const message = messageOfRequest('abandon', body(' {} '), NUMERO);
    expect(JSON.parse(message.raw)).toEqual({ numeroUnique: NUMERO });
    expect(message.errors?.map((e) => e.path).sort()).toEqual(['/dateRadiation', '/id']);
  });

  it('refuses a numéro in the body, and a body that is not an object', () => {
    const named = messageOfRequest('abandon', body(`{"id":"A-1","numeroUnique":"${NUMERO}"}`), NUMERO);
    expect(named).toMatchObject({ id: 'A-1', errors: [{ path: '/numeroUnique' }] });
    expect(messageOfRequest('abandon', body('[]'), NUMERO).errors).toMatchObject([{ path: '' }]);
  });
});
