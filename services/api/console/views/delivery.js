import { api } from '../api.js';
import { badge, field, h, notice, problemBox, show, table, when } from '../dom.js';

/** One webhook delivery with each attempt (HTTP status, error); replay or discard it with a reason. */
export async function deliveryView(main, _params, id, flash) {
  const d = await api('GET', `/ops/deliveries/${encodeURIComponent(id)}`);
  const rows = [
    ['Delivery id', h('code', {}, d.id)],
    ['Client', d.client],
    ['Event', [h('code', {}, d.eventType), ' ', h('code', {}, d.eventId)]],
    ['Subject', h('code', {}, d.subject)],
    ['Sequence', d.sequence],
    ['Created', when(d.createdAt)],
    [
      'Next attempt',
      d.sending ? [when(d.nextAttemptAt), ' (an attempt is being sent now)'] : when(d.nextAttemptAt),
    ],
    ['Delivered', when(d.deliveredAt)],
    ['Last error', d.lastError ? (d.lastError.error ?? String(d.lastError.statusCode ?? '')) : '—'],
  ];
  show(
    main,
    h('p', {}, h('a', { href: '#/deliveries?status=failed' }, '← Deliveries')),
    h('h1', {}, 'Delivery ', badge(d.status)),
    flash ?? null,
    h(
      'section',
      { class: 'card' },
      h(
        'dl',
        { class: 'meta' },
        rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
      ),
    ),
    actions(main, d),
    h('h2', {}, 'Attempts'),
    table(
      [
        ['#', (a) => String(a.attempt), 'num'],
        ['At', (a) => when(a.at)],
        ['HTTP status', (a) => (a.statusCode ? String(a.statusCode) : '—')],
        ['Error', (a) => a.error ?? '—'],
      ],
      Array.isArray(d.attemptsLog) ? d.attemptsLog : [],
      'No attempt yet.',
    ),
  );
}

function actions(main, d) {
  const out = h('div');
  const reason = h('input', {
    name: 'reason',
    size: 50,
    placeholder: 'why (kept in the audit log)',
    id: 'delivery-reason',
  });
  const act = async (what) => {
    if (!reason.value.trim()) {
      out.replaceChildren(problemBox(new Error('Give a reason: it goes to the audit log.')));
      return;
    }
    try {
      await api('POST', `/ops/deliveries/${encodeURIComponent(d.id)}/${what}`, {
        reason: reason.value.trim(),
      });
      await deliveryView(
        main,
        undefined,
        d.id,
        notice(what === 'replay' ? 'Replayed: the retry schedule starts again.' : 'Discarded.'),
      );
    } catch (error) {
      out.replaceChildren(problemBox(error));
    }
  };
  const canReplay = ['failed', 'discarded'].includes(d.status);
  const canDiscard = ['failed', 'pending'].includes(d.status);
  if (!canReplay && !canDiscard) return null;
  return h(
    'section',
    { class: 'card' },
    out,
    h(
      'div',
      { class: 'row' },
      field('Reason', reason),
      canReplay ? h('button', { type: 'button', onclick: () => act('replay') }, 'Replay') : null,
      canDiscard
        ? h('button', { type: 'button', class: 'danger', onclick: () => act('discard') }, 'Discard')
        : null,
    ),
  );
}
