import { api, query } from '../api.js';
import { h, show, table, when } from '../dom.js';

/**
 * What broke: failed (or rejected) messages counted by system and error code, each group
 * linking to its messages — where an operator starts.
 */
export async function failuresView(main, params) {
  const status = params.get('status') === 'rejected' ? 'rejected' : 'failed';
  show(main, h('h1', {}, 'Failures'), h('p', { class: 'muted' }, 'Loading…'));
  const summary = await api('GET', `/ops/messages/summary${query({ status })}`);
  const deliveries = await api('GET', `/ops/deliveries${query({ status: 'failed', limit: 1 })}`);
  const link = (group) =>
    `#/messages${query({ status, system: group.system, errorCode: group.errorCode ?? '' })}`;
  show(
    main,
    h('h1', {}, status === 'failed' ? 'Failed messages' : 'Rejected messages'),
    h(
      'p',
      { class: 'row' },
      h('a', { href: '#/failures?status=failed' }, 'failed (a rule refused them, or retries ran out)'),
      ' · ',
      h('a', { href: '#/failures?status=rejected' }, 'rejected (contract-invalid at reception)'),
    ),
    h(
      'section',
      { class: 'card', id: 'failure-groups' },
      h('p', {}, h('strong', {}, String(summary.total)), ` ${status} message(s), by system and error code.`),
      table(
        [
          ['System', (g) => g.system],
          ['Error code', (g) => h('code', {}, g.errorCode ?? '(none)')],
          ['Messages', (g) => h('a', { href: link(g), class: 'group-count' }, String(g.count)), 'num'],
          ['First received', (g) => when(g.firstReceivedAt)],
          ['Last received', (g) => when(g.lastReceivedAt)],
          ['', (g) => h('a', { href: link(g) }, 'Show messages →')],
        ],
        summary.groups,
        `No ${status} message. All clear.`,
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Webhook deliveries'),
      deliveries.items.length
        ? h(
            'p',
            {},
            'Some deliveries failed: ',
            h('a', { href: '#/deliveries?status=failed' }, 'see failed deliveries →'),
          )
        : h('p', { class: 'empty' }, 'No failed delivery.'),
    ),
  );
}
