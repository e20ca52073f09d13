import { api, query } from '../api.js';
import { field, h, isoOf, json, show, table, when } from '../dom.js';

/** The audit log: who did what, when and why, filtered by actor, action and period. */
export async function auditView(main, params) {
  const filter = {};
  for (const name of ['actor', 'action', 'from', 'to']) if (params.get(name)) filter[name] = params.get(name);
  const inputs = {
    actor: h('input', { name: 'actor', value: filter.actor ?? '', size: 16 }),
    action: h('input', {
      name: 'action',
      value: filter.action ?? '',
      placeholder: 'message.replay…',
      size: 18,
    }),
    from: h('input', { name: 'from', type: 'datetime-local', step: 1 }),
    to: h('input', { name: 'to', type: 'datetime-local', step: 1 }),
  };
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  show(
    main,
    h('h1', {}, 'Audit log'),
    h(
      'form',
      {
        class: 'inline card',
        onsubmit: (event) => {
          event.preventDefault();
          window.location.hash = `#/audit${query({
            actor: inputs.actor.value.trim(),
            action: inputs.action.value.trim(),
            from: isoOf(inputs.from.value) ?? filter.from,
            to: isoOf(inputs.to.value) ?? filter.to,
          })}`;
        },
      },
      field('Actor', inputs.actor),
      field('Action', inputs.action),
      field(`From${filter.from ? ` (${when(filter.from)})` : ''}`, inputs.from),
      field(`To${filter.to ? ` (${when(filter.to)})` : ''}`, inputs.to),
      h('button', { type: 'submit' }, 'Filter'),
    ),
    h('section', { class: 'card' }, list),
  );
  await loadPage(list, filter);
}

async function loadPage(list, filter, cursor) {
  const page = await api('GET', `/ops/audit${query({ ...filter, limit: 50, cursor })}`);
  if (!cursor) list.replaceChildren();
  list.querySelector('.more')?.remove();
  list.append(
    table(
      [
        ['At', (a) => when(a.at)],
        ['Actor', (a) => a.actor],
        ['Action', (a) => h('code', {}, a.action)],
        ['Target', (a) => (a.target ? h('code', {}, a.target) : '—')],
        ['Reason', (a) => a.reason ?? '—'],
        ['Details', (a) => (a.details ? json(a.details) : '—')],
      ],
      page.items,
      cursor ? 'No more.' : 'No audit line matches.',
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
