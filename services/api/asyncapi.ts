import { EVENT_NAMES } from '../core/demande.ts';
import { embeddable, eventContracts, type JsonSchema } from '../pipeline/event-contracts.ts';

const SCHEMAS = '#/components/schemas/';

/**
 * The AsyncAPI 3 document of the events (interfaces.md §9), built from the contracts the hub
 * validates its events with (`contracts/events/v1`): one message per event type, received from the
 * pull feed or POSTed to a subscriber's webhook.
 */
export function asyncApiDocument(version: string): Record<string, unknown> {
  const contracts = eventContracts();
  const envelope = embeddable(contracts.envelope, SCHEMAS);
  const definitions = (contracts.common.definitions ?? {}) as Record<string, JsonSchema>;
  const messages: Record<string, unknown> = {};
  for (const name of EVENT_NAMES) {
    const type = `fr.sne.${name}.v1`;
    const data = embeddable(contracts.data[name], SCHEMAS);
    messages[name] = {
      name: type,
      title: String(data.title ?? type),
      contentType: 'application/json',
      headers: { $ref: '#/components/schemas/webhookHeaders' },
      payload: {
        allOf: [
          { $ref: '#/components/schemas/cloudEvent' },
          { type: 'object', properties: { type: { const: type }, data } },
        ],
      },
    };
  }
  const messageRefs = Object.fromEntries(
    EVENT_NAMES.map((name) => [name, { $ref: `#/components/messages/${name}` }]),
  );
  const operationMessages = (channel: string) =>
    EVENT_NAMES.map((name) => ({ $ref: `#/channels/${channel}/messages/${name}` }));
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'SNE hub events',
      version,
      description:
        'Every change of a demande, as a CloudEvent 1.0 JSON. Read them from the pull feed ' +
        '(`GET /feeds/events`, see /openapi.json) or receive them on a webhook. Who sees what: ' +
        'guichets and bailleurs the demande events of their départements (a désignation only for the ' +
        'bailleur owning the logement); dalo the events of demandes with a DALO decision; contingent ' +
        'those of demandes labellisées or DALO prioritaire-urgent and its own désignations; pgp every ' +
        'demande event; operators everything. Delivery is at least once: deduplicate on `id`.',
    },
    defaultContentType: 'application/json',
    channels: {
      feed: {
        address: '/feeds/events',
        title: 'Pull feed',
        description: 'Long-polled with `?after=<cursor>&wait=<seconds>`; events oldest first by `sequence`.',
        messages: messageRefs,
      },
      webhook: {
        address: '{webhookUrl}',
        title: 'Webhook',
        description:
          'POSTed to the URL given at provisioning, filtered by its `types`. Signed per Standard Webhooks: ' +
          '`webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, keyed by ' +
          'the bytes that the base64 after `whsec_` in the secret returned at provisioning decodes to (not ' +
          'the `whsec_…` text itself: the Standard Webhooks libraries do this from the whole secret). A 2xx within 10 s is success; otherwise retried after 5 s, 30 s, ' +
          '2 min, 10 min, 30 min, 1 h, 3 h, 6 h and 12 h (`SNE_WEBHOOK_RETRY_SCHEDULE`), then `failed` until ' +
          'an operator replays it.',
        parameters: { webhookUrl: { description: 'The subscriber’s webhook URL.' } },
        messages: messageRefs,
        bindings: { http: { method: 'POST' } },
      },
    },
    operations: {
      readFeed: {
        action: 'receive',
        channel: { $ref: '#/channels/feed' },
        summary: 'Read events from the pull feed.',
        messages: operationMessages('feed'),
      },
      receiveWebhook: {
        action: 'receive',
        channel: { $ref: '#/channels/webhook' },
        summary: 'Receive events on a webhook.',
        messages: operationMessages('webhook'),
      },
    },
    components: {
      schemas: {
        cloudEvent: envelope,
        webhookHeaders: {
          type: 'object',
          description: 'Sent with webhooks only.',
          properties: {
            'webhook-id': { type: 'string', description: 'The event id (the same at every retry).' },
            'webhook-timestamp': { type: 'string', description: 'Unix seconds of this attempt.' },
            'webhook-signature': { type: 'string', pattern: '^v1,' },
          },
        },
        ...Object.fromEntries(Object.entries(definitions).map(([k, v]) => [k, embeddable(v, SCHEMAS)])),
      },
      messages,
    },
  };
}
