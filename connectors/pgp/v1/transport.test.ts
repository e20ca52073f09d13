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

  it('takes the path’s numéro in the body too (the published examples carry it), refuses another one', () => {
    const text = `{"id":"A-1","numeroUnique":"${NUMERO}","dateRadiation":"2015-02-15"}`;
    const same = messageOfRequest('abandon', body(text), NUMERO);
    expect(same.errors).toBeUndefined();
    expect(same.raw).toBe(text);
    expect(same.command).toEqual(
      messageOfRequest('abandon', body('{"id":"A-1","dateRadiation":"2015-02-15"}'), NUMERO).command,
    );
    const other = messageOfRequest('abandon', body(text.replace(NUMERO, '0590314000002GDPUB')), NUMERO);
    expect(other).toMatchObject({ id: 'A-1', errors: [{ path: '/numeroUnique' }] });
  });

  it('refuses a body that is not an object', () => {
    expect(messageOfRequest('abandon', body('[]'), NUMERO).errors).toMatchObject([{ path: '' }]);
  });
});
