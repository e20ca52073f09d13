import { api, query } from '../api.js';
import { badge, field, h, isoOf, json, notice, problemBox, show, table, when } from '../dom.js';

const STATUSES = ['failed', 'rejected', 'accepted', 'processing', 'applied', 'discarded'];
const FILTERS = ['status', 'system', 'type', 'client', 'errorCode', 'receivedSince', 'receivedUntil'];

/** The filter of the location, as the operator routes take it (empty values left out). */
function filterOf(params) {
  const filter = {};
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) filter[name] = value;
  }
  return filter;
}

/**
 * Messages matching a filter, page by page, and the bulk replay of all of them: a dry run
 * first shows how many match (and a sample); only then can the operator replay them, with a
 * reason.
 */
export async function messagesView(main, params) {
  const filter = filterOf(params);
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  show(
    main,
    h('h1', {}, 'Messages'),
    filterForm(filter),
    h('section', { class: 'card' }, list),
    bulkReplay(filter),
  );
  await loadPage(list, filter);
}

function filterForm(filter) {
  const inputs = {
    status: h(
      'select',
      { name: 'status' },
      h('option', { value: '' }, 'any'),
      STATUSES.map((s) => h('option', { value: s, selected: filter.status === s }, s)),
    ),
    system: h('input', {
      name: 'system',
      value: filter.system ?? '',
      placeholder: 'spt, pgp, dalo…',
      size: 8,
    }),
    type: h('input', { name: 'type', value: filter.type ?? '', placeholder: 'attribution…', size: 12 }),
    client: h('input', { name: 'client', value: filter.client ?? '', size: 14 }),
    errorCode: h('input', {
      name: 'errorCode',
      value: filter.errorCode ?? '',
      placeholder: 'LOGEMENT_INCONNU',
      size: 18,
    }),
    receivedSince: h('input', { name: 'receivedSince', type: 'datetime-local', step: 1 }),
    receivedUntil: h('input', { name: 'receivedUntil', type: 'datetime-local', step: 1 }),
  };
  return h(
    'form',
    {
      class: 'inline card',
      onsubmit: (event) => {
        event.preventDefault();
        const next = {};
        for (const [name, input] of Object.entries(inputs)) {
          next[name] = name.startsWith('received')
            ? (isoOf(input.value) ?? filter[name])
            : input.value.trim();
        }
        window.location.hash = `#/messages${query(next)}`;
      },
    },
    field('Status', inputs.status),
    field('System', inputs.system),
    field('Type', inputs.type),
    field('Client', inputs.client),
    field('Error code', inputs.errorCode),
    field(
      `Received since${filter.receivedSince ? ` (${when(filter.receivedSince)})` : ''}`,
      inputs.receivedSince,
    ),
    field(
      `Received until${filter.receivedUntil ? ` (${when(filter.receivedUntil)})` : ''}`,
      inputs.receivedUntil,
    ),
    h('button', { type: 'submit' }, 'Filter'),
  );
}

async function loadPage(list, filter, cursor) {
  const page = await api('GET', `/ops/messages${query({ ...filter, limit: 50, cursor })}`);
  if (!cursor) list.replaceChildren();
  list.querySelector('.more')?.remove();
  list.append(
    table(
      [
        ['Received', (m) => when(m.receivedAt)],
        ['Status', (m) => badge(m.status)],
        ['System', (m) => `${m.system} ${m.version ?? ''}`],
        ['Type', (m) => m.type],
        ['Client', (m) => m.client],
        ['Sender id', (m) => h('code', {}, m.id)],
        ['Error', (m) => (m.error ? h('code', {}, m.error.code) : '—')],
        [
          '',
          (m) => h('a', { href: `#/messages/${encodeURIComponent(m.messageId)}`, class: 'open' }, 'Open →'),
        ],
      ],
      page.items,
      cursor ? 'No more.' : 'No message matches this filter.',
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

/** Bulk replay: the dry run's preview must come first; the replay button appears with it. */
function bulkReplay(filter) {
  const reason = h('input', {
    name: 'reason',
    size: 40,
    placeholder: 'why (kept in the audit log)',
    id: 'bulk-reason',
  });
  const out = h('div');
  // The hub replays failed messages in bulk; a rejected one needs its own look (and maybe a correction).
  const replayable = filter.status === 'failed';
  const run = async (dryRun) => {
    out.replaceChildren(h('p', { class: 'muted' }, dryRun ? 'Counting…' : 'Replaying…'));
    try {
      const result = await api('POST', '/ops/messages/replay', {
        filter,
        reason: reason.value.trim() || 'preview',
        dryRun,
      });
      out.replaceChildren(dryRun ? preview(result) : replayed(result));
    } catch (error) {
      out.replaceChildren(problemBox(error));
    }
  };
  const preview = (result) =>
    h(
      'div',
      { id: 'bulk-preview' },
      notice(h('strong', {}, String(result.matched)), ' message(s) match this filter and would be replayed.'),
      Array.isArray(result.sample) && result.sample.length
        ? h('details', {}, h('summary', {}, 'A sample of them'), json(result.sample))
        : null,
      result.matched > 0
        ? h(
            'div',
            { class: 'row' },
            h(
              'button',
              {
                type: 'button',
                class: 'danger',
                id: 'bulk-confirm',
                onclick: () => {
                  if (!reason.value.trim()) {
                    out.prepend(problemBox(new Error('Give a reason: it goes to the audit log.')));
                    return;
                  }
                  run(false);
                },
              },
              `Replay these ${result.matched} message(s)`,
            ),
          )
        : null,
    );
  const replayed = (result) =>
    result.jobId
      ? h(
          'div',
          {},
          notice(`${result.matched} message(s) are being replayed in the background (job ${result.jobId}).`),
          jobProgress(result.jobId),
        )
      : notice(
          `${result.replayed ?? result.matched} of ${result.matched} message(s) replayed. They are queued again; refresh to follow them.`,
        );
  return h(
    'section',
    { class: 'card', id: 'bulk-replay' },
    h('h2', {}, 'Replay every message of this filter'),
    replayable
      ? [
          h(
            'p',
            { class: 'muted' },
            'First a dry run shows how many messages match; then replay them, with a reason.',
          ),
          h(
            'div',
            { class: 'row' },
            field('Reason', reason),
            h(
              'button',
              { type: 'button', class: 'secondary', id: 'bulk-dry-run', onclick: () => run(true) },
              'Preview (dry run)',
            ),
          ),
          out,
        ]
      : h(
          'p',
          { class: 'muted' },
          'Only failed messages are replayed in bulk (choose the status failed); open a rejected message to correct it.',
        ),
  );
}

/** Follows a background bulk replay (`GET /ops/jobs/{id}`) until it ends. */
function jobProgress(jobId) {
  const line = h('p', { class: 'muted' }, 'Waiting for progress…');
  const poll = async () => {
    if (!line.isConnected && line.dataset.started) return;
    line.dataset.started = '1';
    try {
      const job = await api('GET', `/ops/jobs/${encodeURIComponent(jobId)}`);
      line.replaceChildren(`Job ${job.status ?? ''}: `, json(job));
      if (['completed', 'failed'].includes(job.status)) return;
    } catch (error) {
      line.replaceChildren(problemBox(error));
      return;
    }
    setTimeout(poll, 1000);
  };
  poll();
  return line;
}
