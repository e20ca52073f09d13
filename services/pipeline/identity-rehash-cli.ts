import { loadConfig } from '../config/config.ts';
import { createLogger } from '../config/logger.ts';
import { createPool } from '../db/pool.ts';
import { rehashIdentities } from './identity-rehash.ts';

// `npm run identites:rehash`: the stored identity hashes recomputed by the doublon rule in force
// (README, "Where the specification is silent": doublons). The admin token is not needed here.
const config = loadConfig({ SNE_ADMIN_TOKEN: 'not-used-by-this-tool', ...process.env });
const log = createLogger('info');
const pool = createPool({ connectionString: config.databaseUrl, max: 1 });
try {
  const report = await rehashIdentities(pool);
  log.info(report, 'identity hashes recomputed');
} finally {
  await pool.end();
}
