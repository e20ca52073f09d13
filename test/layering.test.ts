import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering of the code, read from its imports: a lower layer never imports a higher one, the
 * core knows nothing of HTTP, queues or SQL drivers outside its store, and connectors know nothing
 * of SQL. Tests and benchmarks may import anything.
 */
const ROOT = path.resolve(import.meta.dirname, '..');

interface Import {
  /** The importing file, relative to the repository (`services/core/rules.ts`). */
  from: string;
  /** A package name (`pg`) or a repository path (`services/api/app.ts`). */
  target: string;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(path.join(ROOT, directory), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => path.join(directory, file));
}

function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/g)].map(
    (match) => match[1] as string,
  );
  return specifiers.map((specifier) => ({
    from: file,
    target: specifier.startsWith('.')
      ? path.relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier))
      : specifier
          .split('/')
          .slice(0, specifier.startsWith('@') ? 2 : 1)
          .join('/'),
  }));
}

const IMPORTS = [...sourceFiles('services'), ...sourceFiles('connectors')].flatMap(importsOf);

/** The imports of files under `from` whose target matches `target`. */
function violations(from: string, target: (target: string) => boolean): string[] {
  return IMPORTS.filter((i) => i.from.startsWith(from) && target(i.target)).map(
    (i) => `${i.from} → ${i.target}`,
  );
}

const under =
  (...prefixes: string[]) =>
  (target: string) =>
    prefixes.some((p) => target.startsWith(p));

describe('layering', () => {
  it('reads the imports of the sources', () => {
    expect(IMPORTS.length).toBeGreaterThan(100);
    expect(IMPORTS).toContainEqual({ from: 'services/api/app.ts', target: 'connectors/spt/index.ts' });
  });

  it.each(['services/core/', 'services/pipeline/', 'services/db/', 'services/config/', 'services/shared/'])(
    '%s imports neither services/api, services/http nor connectors',
    (layer) => {
      expect(violations(layer, under('services/api/', 'services/http/', 'connectors/'))).toEqual([]);
    },
  );

  it('the HTTP kit imports neither services/api nor the connectors', () => {
    expect(violations('services/http/', under('services/api/', 'connectors/'))).toEqual([]);
  });

  it('connectors import neither services/api nor SQL', () => {
    expect(violations('connectors/', under('services/api/', 'services/db/', 'pg'))).toEqual([]);
    expect(violations('connectors/', (t) => /^services\/core\/store\//.test(t))).toEqual([]);
  });

  it('configuration and logging import no other part of the hub', () => {
    expect(
      violations('services/config/', under('services/', 'connectors/')).filter(
        (v) => !v.includes('→ services/config/'),
      ),
    ).toEqual([]);
  });

  it('the core knows nothing of HTTP, queues or XML, and reaches PostgreSQL only from its store', () => {
    expect(
      violations(
        'services/core/',
        under('services/pipeline/', 'fastify', 'bullmq', 'ioredis', 'fast-xml-parser'),
      ),
    ).toEqual([]);
    expect(
      violations('services/core/', under('pg', 'services/db/')).filter(
        (v) => !v.startsWith('services/core/store/'),
      ),
    ).toEqual([]);
  });
});
