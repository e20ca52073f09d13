import { XMLBuilder } from 'fast-xml-parser';
import type { LotReceipt } from '../../services/pipeline/inbound.ts';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  format: true,
  suppressEmptyNode: true,
});

/**
 * The receipt as XML `<accuse>`, with the JSON receipt's content: its scalars as attributes, one
 * `<message>` per message and one `<error>` per error, whose text is the message. Every version
 * answers the same element in its own namespace (`urn:sne:spt:2`; none for v1, whose documents have none).
 */
export function accuseXml(receipt: LotReceipt, namespace: string | null): string {
  const accuse = {
    ...(namespace === null ? {} : { '@xmlns': namespace }),
    '@lotId': receipt.lotId,
    '@received': String(receipt.received),
    '@accepted': String(receipt.accepted),
    '@rejected': String(receipt.rejected),
    message: receipt.messages.map((entry) => ({
      '@id': entry.id,
      '@messageId': entry.messageId,
      '@status': entry.status,
      error: (entry.errors ?? []).map((error) => ({
        '@code': error.code,
        ...(error.path === undefined ? {} : { '@path': error.path }),
        '#text': error.message,
      })),
    })),
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ accuse })}`;
}
