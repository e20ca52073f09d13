import { loadConfig } from '../config/config.ts';
import { createLogger } from '../config/logger.ts';
import { prepareDatabase } from '../pipeline/infrastructure.ts';

// `npm run migrate`: the same migrations the hub applies at start. The admin token is not needed here.
const config = loadConfig({ SNE_ADMIN_TOKEN: 'not-used-by-migrations', ...process.env });
await prepareDatabase(config, createLogger('info'));
