import { api, query } from '../api.js';
import { badge, field, h, notice, problemBox, show, table, when } from '../dom.js';

const STATUSES = ['failed', 'pending', 'delivered', 'discarded'];

/**
 * Webhook deliveries by status and client (failed ones wait for an operator), and their bulk
 * replay — dry run first.
 */
export async function deliveriesView(main, params) {
  const filter = {};
  for (const name of ['status', 'client']) if (params.get(name)) filter[name] = params.get(name);
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const status = h(
    'select',
    { name: 'status' },
    h('option', { value: '' }, 'any'),
    STATUSES.map((s) => h('option', { value: s, selected: filter.status === s }, s)),
  );
  const client = h('input', { name: 'client', value: filter.client ?? '', size: 16 });
  show(
    main,
    h('h1', {}, 'Webhook deliveries'),
    h(
      'form',
      {
        class: 'inline card',
        onsubmit: (event) => {
          event.preventDefault();
          window.location.hash = `#/deliveries${query({ status: status.value, client: client.value.trim() })}`;
        },
      },
      field('Status', status),
      field('Client', client),
      h('button', { type: 'submit' }, 'Filter'),
    ),
    h('section', { class: 'card' }, list),
    bulkReplay(filter),
  );
  await loadPage(list, filter);
}

async function loadPage(list, filter, cursor) {
  const page = await api('GET', `/ops/deliveries${query({ ...filter, limit: 50, cursor })}`);
  if (!cursor) list.replaceChildren();
  list.querySelector('.more')?.remove();
  list.append(
    table(
      [
        ['Created', (d) => when(d.createdAt)],
        ['Status', (d) => badge(d.status)],
        ['Client', (d) => d.client],
        ['Event', (d) => h('code', {}, d.eventType)],
        ['Subject', (d) => h('code', {}, d.subject)],
        ['Attempts', (d) => String(d.attempts), 'num'],
        [
          'Last error',
          (d) => (d.lastError ? (d.lastError.error ?? String(d.lastError.statusCode ?? '')) : '—'),
        ],
        ['', (d) => h('a', { href: `#/deliveries/${encodeURIComponent(d.id)}`, class: 'open' }, 'Open →')],
      ],
      page.items,
      cursor ? 'No more.' : 'No delivery matches this filter.',
    ),
  );
  if (page.next) {
    list.append(
      h(
        'div',
        { class: 'row more' },
        h(
          'button',
          { type: 'button', class: 'secondary', onclick: () => loadPage(list, filter, page.next) },
          'Load more',
        ),
      ),
    );
  }
}

function bulkReplay(filter) {
  const reason = h('input', { name: 'reason', size: 40, placeholder: 'why (kept in the audit log)' });
  const out = h('div');
  const run = async (dryRun) => {
    try {
      const result = await api('POST', '/ops/deliveries/replay', {
        filter,
        reason: reason.value.trim() || 'preview',
        dryRun,
      });
      out.replaceChildren(
        dryRun
          ? h(
              'div',
              {},
              notice(
                h('strong', {}, String(result.matched)),
                ' failed or discarded delivery(ies) match and would be sent again.',
              ),
              result.matched > 0
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'danger',
                      onclick: () => {
                        if (reason.value.trim()) run(false);
                        else out.prepend(problemBox(new Error('Give a reason: it goes to the audit log.')));
                      },
                    },
                    `Replay these ${result.matched} delivery(ies)`,
                  )
                : null,
            )
          : notice(`${result.replayed} delivery(ies) replayed: their retry schedule starts again.`),
      );
    } catch (error) {
      out.replaceChildren(problemBox(error));
    }
  };
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, 'Replay every delivery of this filter'),
    h(
      'div',
      { class: 'row' },
      field('Reason', reason),
      h('button', { type: 'button', class: 'secondary', onclick: () => run(true) }, 'Preview (dry run)'),
    ),
    out,
  );
}
