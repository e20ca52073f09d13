import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

/** What one log line holds once pino has censored it. */
function logged(details: object): string {
  const lines: string[] = [];
  createLogger('info', { write: (line: string) => void lines.push(line) }).info(details, 'a line');
  return lines.join('');
}

describe('the logger', () => {
  it.each([
    ['a canonical command', { command: { type: 'enregistrement', demandeur: { nom: 'Secretname' } } }],
    ['a stored canonical', { message: { canonical: '{"nom":"Secretname"}' } }],
    ['an operator’s corrected payload', { payload: '<radiation><Nom>Secretname</Nom></radiation>' }],
    ['SPT v1 names', { element: { Nom: 'Secretname', Prenom: 'Secretname', DateNaissance: '1971-07-23' } }],
    ['a nested nom', { a: { b: { nom: 'Secretname' } } }],
  ])('censors %s', (_name, details) => {
    const line = logged(details);
    expect(line).toContain('[redacted]');
    expect(line).not.toContain('Secretname');
    expect(line).not.toContain('1971-07-23');
  });
});
