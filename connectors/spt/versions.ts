import { sptV1 } from './v1/version.ts';
import { sptV2 } from './v2/version.ts';
import type { SptVersion } from './version.ts';

/** The SPT versions served, newest first. Adding a version = one folder and one line here. */
export const SPT_VERSIONS: readonly SptVersion[] = [sptV2, sptV1];
