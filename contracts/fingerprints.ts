import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { incompatibilities } from './schema-compatibility.ts';

/**
 * Published contracts are never edited. `fingerprints.json` holds the SHA-256 of every published
 * file under `contracts/<system>/v<N>/` (schemas and examples);
 *
 * - `tsx contracts/fingerprints.ts check` (`npm run contracts:check`, part of `npm run check`) fails
 *   when a published file was edited or removed, and warns about files not yet published (work in
 *   progress: a version is published once it is final);
 * - `tsx contracts/fingerprints.ts publish [folder...]` (`npm run contracts:publish -- contracts/spt`)
 *   fingerprints the files not yet published (under the folders given, or all), and never changes
 *   a published fingerprint.
 *
 * One exception: the event data schemas, `contracts/events/v<N>/*.schema.json`, may evolve in
 * backward-compatible ways (`./schema-compatibility.ts`). Their published text is kept under
 * `contracts/events/.published/` to compare with; `publish` records a compatible change.
 */

/** What the check found about one file, named relative to `contracts/` (`spt/v2/common.schema.json`). */
export interface Finding {
  file: string;
  /** `edited` and `removed` fail the check; `unpublished` and `evolved` (a compatible event schema change) are warnings. */
  kind: 'edited' | 'removed' | 'unpublished' | 'evolved';
  /** For an event schema, why the change is not backward-compatible. */
  problems?: string[];
}

const FINGERPRINTS = 'fingerprints.json';
const EVENT_SCHEMA = /^events\/v[0-9]+\/[^/]+\.schema\.json$/;

/** Every file of every version folder (`<system>/v<N>/...`), sorted, with `/` separators. */
export function contractFiles(root: string): string[] {
  const folders = (path: string) =>
    readdirSync(path, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name);
  return folders(root)
    .flatMap((system) =>
      folders(join(root, system))
        .filter((version) => /^v[0-9]+$/.test(version))
        .flatMap((version) =>
          readdirSync(join(root, system, version), { recursive: true, withFileTypes: true })
            .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
            .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/')),
        ),
    )
    .sort();
}

/** Compares the contract files under `root` with their fingerprints. */
export function audit(root: string): Finding[] {
  const fingerprints = readFingerprints(root);
  const files = contractFiles(root);
  const findings: Finding[] = [];
  for (const [file, hash] of Object.entries(fingerprints)) {
    if (!files.includes(file)) findings.push({ file, kind: 'removed' });
    else if (sha256(join(root, file)) !== hash) findings.push(changed(root, file));
  }
  for (const file of files) if (!(file in fingerprints)) findings.push({ file, kind: 'unpublished' });
  return findings;
}

/**
 * Publishes what the audit found unpublished or compatibly evolved under `folders` (relative to
 * `contracts/` or to the repository; all when none). Refuses, changing nothing, when a published
 * file among them was edited or removed.
 */
export function publish(root: string, folders: string[] = []): { published: string[]; refused: Finding[] } {
  const prefixes = folders.map((folder) => `${folder.replace(/^contracts\//, '').replace(/\/$/, '')}/`);
  const findings = audit(root).filter(
    (finding) => prefixes.length === 0 || prefixes.some((prefix) => finding.file.startsWith(prefix)),
  );
  const refused = findings.filter((finding) => finding.kind === 'edited' || finding.kind === 'removed');
  if (refused.length > 0) return { published: [], refused };
  const fingerprints = readFingerprints(root);
  const published = findings.map((finding) => finding.file);
  for (const file of published) {
    fingerprints[file] = sha256(join(root, file));
    if (EVENT_SCHEMA.test(file)) {
      mkdirSync(dirname(join(root, publishedCopy(file))), { recursive: true });
      copyFileSync(join(root, file), join(root, publishedCopy(file)));
    }
  }
  const sorted = Object.fromEntries(Object.entries(fingerprints).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(join(root, FINGERPRINTS), `${JSON.stringify(sorted, null, 2)}\n`);
  return { published, refused: [] };
}

/** A published file whose content changed: an error, unless it is an event schema evolving compatibly. */
function changed(root: string, file: string): Finding {
  if (!EVENT_SCHEMA.test(file)) return { file, kind: 'edited' };
  const copy = join(root, publishedCopy(file));
  if (!existsSync(copy))
    return { file, kind: 'edited', problems: [`its published text ${publishedCopy(file)} is missing`] };
  let problems: string[];
  try {
    problems = incompatibilities(readJson(copy), readJson(join(root, file)));
  } catch (error) {
    problems = [`not valid JSON: ${(error as Error).message}`];
  }
  return problems.length > 0 ? { file, kind: 'edited', problems } : { file, kind: 'evolved' };
}

/** `events/v1/x.schema.json` → `events/.published/v1/x.schema.json`. */
function publishedCopy(file: string): string {
  return file.replace(/^events\//, 'events/.published/');
}

function readFingerprints(root: string): Record<string, string> {
  const path = join(root, FINGERPRINTS);
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** One line per finding, as the command prints it. */
export function describeFinding({ file, kind, problems }: Finding): string {
  const path = `contracts/${file}`;
  const why = problems?.length ? `\n    ${problems.join('\n    ')}` : '';
  switch (kind) {
    case 'edited':
      return `${path} was edited after publication: published contracts are never edited: add a new version folder.${why}`;
    case 'removed':
      return `${path} was removed after publication: published contracts are never edited: add a new version folder.`;
    case 'unpublished':
      return `${path} is unpublished (run npm run contracts:publish once the version is final).`;
    case 'evolved':
      return `${path} changed compatibly with its published version (run npm run contracts:publish to record it).`;
  }
}

function main([command, ...folders]: string[]): number {
  const root = fileURLToPath(new URL('./', import.meta.url));
  if (command === 'check') {
    const findings = audit(root);
    const errors = findings.filter((finding) => finding.kind === 'edited' || finding.kind === 'removed');
    for (const finding of errors) console.error(describeFinding(finding));
    for (const finding of findings.filter((f) => f.kind === 'evolved'))
      console.warn(describeFinding(finding));
    // Unpublished files by version folder: a version in progress is one line, not one per file.
    const unpublished = new Map<string, number>();
    for (const { file, kind } of findings) {
      const version = file.split('/').slice(0, 2).join('/');
      if (kind === 'unpublished') unpublished.set(version, (unpublished.get(version) ?? 0) + 1);
    }
    for (const [version, count] of unpublished) {
      console.warn(
        `contracts/${version}: ${count} files unpublished (run npm run contracts:publish -- contracts/${version} once final).`,
      );
    }
    if (errors.length === 0)
      console.log(`contracts: ${contractFiles(root).length} files, no published one edited.`);
    return errors.length > 0 ? 1 : 0;
  }
  if (command === 'publish') {
    const { published, refused } = publish(root, folders);
    for (const finding of refused) console.error(describeFinding(finding));
    for (const file of published) console.log(`published contracts/${file}`);
    return refused.length > 0 ? 1 : 0;
  }
  console.error('usage: tsx contracts/fingerprints.ts check | publish [contracts/<system>[/v<N>]...]');
  return 2;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
