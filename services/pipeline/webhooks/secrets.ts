import { randomBytes } from 'node:crypto';
import type { Config } from '../../config/config.ts';
import { createSecretBox, type SecretBox } from '../../shared/secret-box.ts';

/** A new signing secret in the Standard Webhooks form: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The box that keeps webhook secrets encrypted in the `clients` table. */
export function webhookSecretBox(config: Pick<Config, 'secretKey' | 'adminToken'>): SecretBox {
  return createSecretBox(config.secretKey ?? config.adminToken, 'webhook-secret');
}
