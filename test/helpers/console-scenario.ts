import { enregistrement, lot, radiation } from './spt.ts';

/** What the console scenario left in a hub: the clients' tokens and the messages that failed. */
export interface ConsoleScenario {
  operatorToken: string;
  bailleurToken: string;
  /** The enregistrement that was applied: `LH-2014-000123`. */
  reference: string;
  /** A radiation of a demande no one registered (`LH-2014-999999`): failed, `DEMANDE_INCONNUE`. */
  radiationMessageId: string;
  /** An enregistrement whose nom is an HTML tag with a script, for a commune that does not exist: failed, `COMMUNE_INCONNUE`. */
  hostileMessageId: string;
}

export interface SeedOptions {
  /** When given, a guichet subscribes there to `demande.enregistree` (the hub must allow private URLs). */
  webhookUrl?: string;
}

/** The nom of the hostile enregistrement: markup that would run if the console ever rendered it as HTML. */
export const HOSTILE_NOM = '<img src=x onerror=window.__xss=1>';

async function call<T>(baseUrl: string, token: string, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Provisions an operator and a bailleur through the admin route, and has the bailleur send one
 * SPT lot over HTTP whose radiation names an unknown demande and whose second enregistrement
 * carries a hostile nom; waits until both have failed. With `webhookUrl`, a guichet is subscribed
 * first, so the applied enregistrement makes one delivery to it. Used by the browser test and by
 * `npm run docs:screenshots`.
 */
export async function seedConsoleScenario(
  baseUrl: string,
  adminToken: string,
  options: SeedOptions = {},
): Promise<ConsoleScenario> {
  const provision = (body: Record<string, unknown>) =>
    call<{ token: string }>(baseUrl, adminToken, '/admin/clients', {
      method: 'POST',
      body: JSON.stringify(body),
    });
  const { token: operatorToken } = await provision({
    id: 'exploitation',
    role: 'operator',
    organisme: '110000000',
    nom: 'Exploitation SNE',
    departements: ['*'],
  });
  const { token: bailleurToken } = await provision({
    id: 'lille-habitat',
    role: 'bailleur',
    organisme: '123456789',
    nom: 'Lille Habitat',
    departements: ['59'],
    codeGuichet: 'LH59A',
  });
  if (options.webhookUrl) {
    await provision({
      id: 'ville-de-lille',
      role: 'guichet',
      organisme: '215903501',
      nom: 'Ville de Lille',
      departements: ['59'],
      codeGuichet: 'VL59A',
      webhook: { url: options.webhookUrl, types: ['fr.sne.demande.enregistree.v1'] },
    });
  }
  const reference = 'LH-2014-000123';
  const response = await fetch(`${baseUrl}/connectors/spt/v2/lots`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bailleurToken}`, 'content-type': 'application/xml' },
    body: lot(
      enregistrement({ id: 'E-1', ref: reference }),
      radiation('R-1', 'LH-2014-999999', 'irrecevabilite', '2014-05-02', 'plafond-ressources'),
      enregistrement({ id: 'E-2', ref: 'LH-2014-000124', nom: HOSTILE_NOM, communes: ['59999'] }),
    ),
  });
  if (response.status !== 202) throw new Error(`lot refused: ${response.status} ${await response.text()}`);
  const receipt = (await response.json()) as { messages: { id: string; messageId: string }[] };
  const messageIdOf = (id: string) => receipt.messages.find((m) => m.id === id)?.messageId as string;
  const scenario = {
    operatorToken,
    bailleurToken,
    reference,
    radiationMessageId: messageIdOf('R-1'),
    hostileMessageId: messageIdOf('E-2'),
  };
  for (const messageId of [messageIdOf('E-1'), scenario.radiationMessageId, scenario.hostileMessageId]) {
    await settled(baseUrl, bailleurToken, messageId);
  }
  return scenario;
}

/** Waits until a message is neither accepted nor processing, reading its status as its sender would. */
export async function settled(
  baseUrl: string,
  token: string,
  messageId: string,
  timeoutMs = 20_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = await call<{ status: string }>(baseUrl, token, `/messages/${messageId}`);
    if (status !== 'accepted' && status !== 'processing') return status;
    if (Date.now() > deadline) throw new Error(`message ${messageId} still ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
