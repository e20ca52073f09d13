import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkContingentV1Examples } from '../connectors/contingent/v1/contract.ts';
import { checkDaloV1Examples } from '../connectors/dalo/v1/contract.ts';
import { checkPgpV1Examples } from '../connectors/pgp/v1/contract.ts';
import { checkRplsV1Examples } from '../connectors/rpls/v1/examples.ts';
import type { ExampleCheck } from '../connectors/shared/json-messages.ts';
import { checkSptExamples } from '../connectors/spt/examples.ts';
import { sptV1 } from '../connectors/spt/v1/version.ts';
import { sptV2 } from '../connectors/spt/v2/version.ts';
import { checkEventExamples } from '../services/pipeline/event-contracts.ts';

/**
 * The contract registry: every example message of every version under `contracts/<system>/v<N>/examples/`
 * still validates and maps to a canonical command, through the decoder its connector uses. Contracts
 * are append-only (`npm run contracts:check`), so an example that stops passing means a connector
 * broke a published version.
 *
 * Each version is checked by its connector's example checker, listed here by `<system>/<version>`:
 * a connector adding a version adds one line. A version with examples and no line fails. A checker
 * returns one check per example message, with as `errors` whatever keeps it from validating or
 * mapping (an inbound message's command exists exactly when it has no errors; an outbound contract,
 * such as events, only validates).
 */
const CHECKERS: Readonly<Record<string, () => ExampleCheck[]>> = {
  'spt/v1': () => checkSptExamples(sptV1),
  'spt/v2': () => checkSptExamples(sptV2),
  'pgp/v1': checkPgpV1Examples,
  'dalo/v1': checkDaloV1Examples,
  'contingent/v1': checkContingentV1Examples,
  'rpls/v1': checkRplsV1Examples,
  'events/v1': checkEventExamples,
};

const CONTRACTS = new URL('./', import.meta.url);

/** `<system>/v<N>` of every version folder whose `examples/` folder holds a file. */
function versionsWithExamples(): string[] {
  const directories = (url: URL) =>
    readdirSync(url, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name);
  return directories(CONTRACTS)
    .flatMap((system) =>
      directories(new URL(`${system}/`, CONTRACTS))
        .filter((version) => /^v[0-9]+$/.test(version))
        .map((version) => `${system}/${version}`),
    )
    .filter((version) => {
      const examples = new URL(`${version}/examples/`, CONTRACTS);
      return existsSync(examples) && readdirSync(examples).some((file) => !file.startsWith('.'));
    })
    .sort();
}

describe('contract registry', () => {
  const versions = versionsWithExamples();

  it('has an example checker for every version with examples, and examples for every checker', () => {
    const unchecked = versions.filter((version) => !(version in CHECKERS));
    expect(unchecked, 'versions with examples but no line in CHECKERS (contracts/registry.test.ts)').toEqual(
      [],
    );
    const stale = Object.keys(CHECKERS).filter((version) => !versions.includes(version));
    expect(stale, 'CHECKERS lines whose version has no examples').toEqual([]);
  });

  describe.each(versions.filter((version) => version in CHECKERS))('%s', (version) => {
    const checks = CHECKERS[version]?.() ?? [];

    it('has examples', () => {
      expect(checks.length).toBeGreaterThan(0);
    });

    it.each(checks.map((check) => [check.file, check] as const))('%s validates and maps', (_file, check) => {
      expect(check.errors).toEqual([]);
    });
  });
});
