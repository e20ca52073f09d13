import { readdirSync, readFileSync } from 'node:fs';
import type { ExampleCheck } from '../shared/json-messages.ts';
import type { SptVersion } from './version.ts';

/**
 * Every message of every lot in `contracts/spt/<version>/examples/`, decoded as the route decodes
 * it (for the contract registry test, `contracts/registry.test.ts`). A check's `file` is
 * `<lot file>#<message id>`; a lot without any message is itself a failed check.
 */
export function checkSptExamples(version: SptVersion): ExampleCheck[] {
  const directory = new URL(`../../contracts/spt/${version.name}/examples/`, import.meta.url);
  const decoder = version.createDecoder({});
  return readdirSync(directory)
    .filter((file) => file.endsWith('.xml'))
    .sort()
    .flatMap((file): ExampleCheck[] => {
      const messages = decoder.readLot(readFileSync(new URL(file, directory)));
      if (messages.length === 0) {
        return [{ file, type: '', errors: [{ code: 'EXAMPLE_EMPTY', message: 'the lot holds no message' }] }];
      }
      return messages.map((message) => ({
        file: `${file}#${message.id}`,
        type: message.type,
        errors: message.errors ?? [],
        ...(message.command ? { command: message.command } : {}),
      }));
    });
}
