/**
 * The groups of the OpenAPI document: one tag per external system or audience, each described.
 * A route's tag is derived from its URL (the first prefix that matches), never declared by the
 * route, so a new route lands in its group without anyone remembering to say so. A route whose URL
 * matches no prefix has no tag, and the documentation test fails until a row is added here.
 */
export interface OpenApiTag {
  name: string;
  description: string;
  /** URL prefixes of the tag's routes; the first tag with a matching prefix wins. */
  prefixes: readonly string[];
}

export const OPENAPI_TAGS: readonly OpenApiTag[] = [
  {
    name: 'SPT',
    description:
      'Management software of guichets and bailleurs (systèmes particuliers de traitement): XML lots of ' +
      'enregistrements, modifications, renouvellements, radiations and attributions (v2; v1 deprecated).',
    prefixes: ['/connectors/spt/'],
  },
  {
    name: 'portail',
    description:
      'The portail grand public: demandeurs file, modify, renew and abandon their demandes, follow them ' +
      'and deposit the pièces of their dossier unique.',
    prefixes: ['/connectors/pgp/'],
  },
  {
    name: 'DALO',
    description: 'The DALO commission de médiation: reads demandes, finds a person’s, sends its decisions.',
    prefixes: ['/connectors/dalo/'],
  },
  {
    name: 'contingent',
    description: 'The préfet’s contingent: labellise prioritaire demandes, designate them for logements.',
    prefixes: ['/connectors/contingent/'],
  },
  {
    name: 'RPLS',
    description: 'The parc of logements: CSV imports from the RPLS registry, and reads of a logement.',
    prefixes: ['/connectors/rpls/', '/parc/'],
  },
  {
    name: 'SNE',
    description:
      'The registry itself for guichets and bailleurs: demandes with their history, the dossier unique.',
    prefixes: ['/sne/'],
  },
  {
    name: 'messages',
    description: 'What became of a message or a lot a client sent (every sender, and operators).',
    prefixes: ['/messages/', '/lots/'],
  },
  {
    name: 'events',
    description: 'The pull feed of CloudEvents in the caller’s scope (webhooks: see /asyncapi.json).',
    prefixes: ['/feeds/'],
  },
  {
    name: 'operators',
    description:
      'The hub’s operators: failed messages and deliveries, replays, sweeps, queues. Every action is audited.',
    prefixes: ['/ops/', '/metrics'],
  },
  {
    name: 'infocentre',
    description: 'Statistics and reports on demandes and attributions, with statistical secrecy.',
    prefixes: ['/infocentre/'],
  },
  {
    name: 'public',
    description: 'Open data without authentication: annuaire of guichets, key figures of a commune.',
    prefixes: ['/public/'],
  },
  {
    name: 'administration',
    description: 'Provisioning of clients with the administrator’s token.',
    prefixes: ['/admin/'],
  },
  {
    name: 'health',
    description: 'Probes and documents, without authentication.',
    prefixes: ['/health/', '/docs', '/openapi.json', '/asyncapi.json'],
  },
];

/** The tag of a route from its URL, or undefined when no group claims it. */
export function tagOfUrl(url: string): string | undefined {
  return OPENAPI_TAGS.find((tag) => tag.prefixes.some((prefix) => url.startsWith(prefix)))?.name;
}
