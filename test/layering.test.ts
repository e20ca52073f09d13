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
  /** `import type …`: erased at run time, no code of the target runs. */
  typeOnly: boolean;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(path.join(ROOT, directory), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => path.join(directory, file));
}

function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const statements = [...text.matchAll(/(?:^|\n)\s*(import|export)\b([^'"]*?)from\s*['"]([^'"]+)['"]/g)].map(
    (match) => ({ specifier: match[3] as string, typeOnly: /^\s*type\b/.test(match[2] as string) }),
  );
  // Dynamic imports and require() reach a module as surely as a static import.
  const dynamic = [...text.matchAll(/\b(?:import|require)\(\s*[`'"]([^`'"$]+)/g)].map((match) => ({
    specifier: match[1] as string,
    typeOnly: false,
  }));
  return [...statements, ...dynamic].map(({ specifier, typeOnly }) => ({
    from: file,
    target: specifier.startsWith('.')
      ? path.relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier))
      : specifier
          .split('/')
          .slice(0, specifier.startsWith('@') ? 2 : 1)
          .join('/'),
    typeOnly,
  }));
}

const IMPORTS = [...sourceFiles('services'), ...sourceFiles('connectors')].flatMap(importsOf);

/** The imports of files under `from` whose target matches `target` (type-only ones too, unless `runtime`). */
function violations(from: string, target: (target: string) => boolean, runtime = false): string[] {
  return IMPORTS.filter((i) => i.from.startsWith(from) && target(i.target) && !(runtime && i.typeOnly)).map(
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
    expect(IMPORTS).toContainEqual({
      from: 'services/api/app.ts',
      target: 'connectors/spt/index.ts',
      typeOnly: false,
    });
  });

  it.each([
    'services/core/',
    'services/pipeline/',
    'services/infocentre/',
    'services/db/',
    'services/config/',
    'services/shared/',
  ])('%s imports neither services/api, services/http nor connectors', (layer) => {
    expect(violations(layer, under('services/api/', 'services/http/', 'connectors/'))).toEqual([]);
  });

  it('the HTTP kit imports neither services/api nor the connectors', () => {
    expect(violations('services/http/', under('services/api/', 'connectors/'))).toEqual([]);
  });

  it('connectors import neither services/api nor SQL', () => {
    expect(violations('connectors/', under('services/api/', 'services/db/', 'pg'))).toEqual([]);
    expect(violations('connectors/', (t) => /^services\/core\/store\//.test(t))).toEqual([]);
  });

  it('connectors take only types from the pipeline (its code holds the SQL)', () => {
    expect(violations('connectors/', under('services/pipeline/'), true)).toEqual([]);
    expect(IMPORTS).toContainEqual(
      expect.objectContaining({
        from: 'connectors/spt/decoder.ts',
        target: 'services/pipeline/inbound.ts',
        typeOnly: true,
      }),
    );
  });

  it('reads dynamic imports and require() too', () => {
    expect(IMPORTS).toContainEqual({
      from: 'services/core/territoire.ts',
      target: '@etalab/decoupage-administratif',
      typeOnly: false,
    });
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
