import { api } from '../api.js';
import { badge, field, h, json, notice, problemBox, show, table, when } from '../dom.js';

const PENDING = ['accepted', 'processing'];

/**
 * One message: where it came from, its raw payload exactly as received and its canonical form,
 * every attempt, its revisions and audit lines; replay it (as it is, or with a corrected
 * payload) or discard it, each with a reason.
 */
export async function messageView(main, _params, messageId, flash) {
  const message = await api('GET', `/ops/messages/${encodeURIComponent(messageId)}`);
  show(
    main,
    h('p', {}, h('a', { href: '#/failures' }, '← Failures')),
    h('h1', {}, `Message ${message.id} `, badge(message.status)),
    flash ?? null,
    h(
      'section',
      { class: 'card' },
      meta(message),
      message.error ? errorOf(message.error, message.errors) : null,
    ),
    actions(main, message),
    h('h2', {}, 'Raw payload, as received'),
    h('pre', { id: 'raw' }, message.raw ?? '(none)'),
    h('h2', {}, 'Canonical form'),
    message.canonical
      ? json(message.canonical)
      : h('p', { class: 'empty' }, 'None: the message was rejected before it could be mapped.'),
    h('h2', {}, 'Attempts'),
    attempts(message),
    h('h2', {}, 'Revisions'),
    revisions(message.revisions),
    h('h2', {}, 'Audit'),
    auditLines(message.audit),
  );
  if (PENDING.includes(message.status)) follow(main, messageId);
}

function meta(m) {
  const rows = [
    ['Message id', h('code', {}, m.messageId)],
    ["Sender's id", h('code', {}, m.id)],
    ['Client', m.client],
    ['Contract', `${m.system} ${m.version ?? ''} · ${m.type}`],
    ['Lot', m.lotId ? h('code', {}, m.lotId) : '—'],
    ['Received', when(m.receivedAt)],
    ['Applied', when(m.appliedAt)],
    ['Result', m.result?.numeroUnique ? h('code', {}, m.result.numeroUnique) : '—'],
  ];
  return h(
    'dl',
    { class: 'meta' },
    rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

function errorOf(error, contractErrors) {
  const fields = Array.isArray(error.errors)
    ? error.errors
    : Array.isArray(contractErrors)
      ? contractErrors
      : [];
  return h(
    'div',
    { class: 'problem', id: 'message-error' },
    h('span', { class: 'code' }, error.code ?? ''),
    ' ',
    error.message ?? '',
    fields.length
      ? h(
          'ul',
          {},
          fields.map((f) => h('li', {}, h('code', {}, f.path ?? '/'), ' ', f.message ?? '')),
        )
      : null,
    // What the rule found (a DOUBLON names the demande already held), as text.
    error.details && typeof error.details === 'object'
      ? h(
          'ul',
          { class: 'details' },
          Object.entries(error.details).map(([key, value]) =>
            h('li', {}, `${key}: `, h('code', {}, typeof value === 'string' ? value : JSON.stringify(value))),
          ),
        )
      : null,
  );
}

function attempts(m) {
  const rows = Array.isArray(m.attempts) ? m.attempts : Array.isArray(m.attemptsLog) ? m.attemptsLog : [];
  if (rows.length === 0)
    return h('p', { class: 'empty' }, `${typeof m.attempts === 'number' ? m.attempts : 0} attempt(s).`);
  return table(
    [
      ['#', (a) => String(a.attempt ?? ''), 'num'],
      ['At', (a) => when(a.at)],
      ['Outcome', (a) => (a.outcome ? badge(a.outcome) : '—')],
      ['Error', (a) => (a.error ? [h('code', {}, a.error.code ?? ''), ' ', a.error.message ?? ''] : '—')],
    ],
    rows,
  );
}

/** Corrected payloads sent by operators, oldest first; the last one is in force. */
function revisions(items) {
  if (!Array.isArray(items) || items.length === 0) {
    return h('p', { class: 'empty' }, 'No revision: the payload in force is the one received.');
  }
  return table(
    [
      ['#', (r) => String(r.revision), 'num'],
      ['At', (r) => when(r.createdAt)],
      ['By', (r) => r.actor],
      ['Reason', (r) => r.reason],
      ['Payload', (r) => h('pre', {}, r.raw ?? '')],
    ],
    items,
  );
}

/** Audit lines: shown field by field, whatever fields the hub gives. */
function auditLines(items) {
  if (!Array.isArray(items) || items.length === 0)
    return h('p', { class: 'empty' }, 'No operator action yet.');
  const keys = [...new Set(items.flatMap((item) => Object.keys(item)))];
  return table(
    keys.map((key) => [
      key,
      (item) => {
        const value = item[key];
        if (value === undefined || value === null) return '—';
        if (typeof value === 'object') return json(value);
        return /At$|^at$/.test(key) ? when(value) : String(value);
      },
    ]),
    items,
  );
}

function actions(main, message) {
  const replayable = ['failed', 'rejected', 'applied'].includes(message.status);
  const discardable = ['failed', 'rejected'].includes(message.status);
  if (!replayable && !discardable) return null;
  const out = h('div');
  // The payload in force: the last operator's revision, else the message as received.
  const current =
    (Array.isArray(message.revisions) ? message.revisions.at(-1)?.raw : undefined) ?? message.raw ?? '';
  const payload = h('textarea', { id: 'payload', name: 'payload', spellcheck: 'false', value: current });
  const reason = h('input', {
    id: 'replay-reason',
    name: 'reason',
    size: 50,
    placeholder: 'why (kept in the audit log)',
  });
  const force = h('input', { type: 'checkbox', id: 'force' });
  const discardReason = h('input', {
    id: 'discard-reason',
    name: 'reason',
    size: 50,
    placeholder: 'why (kept in the audit log)',
  });

  const act = async (what, body) => {
    out.replaceChildren(h('p', { class: 'muted' }, 'Sending…'));
    try {
      await api('POST', `/ops/messages/${encodeURIComponent(message.messageId)}/${what}`, body);
      const done =
        what === 'discard'
          ? notice('Discarded.')
          : notice(
              body.payload
                ? 'Replayed with the corrected payload (a new revision); following it…'
                : 'Replayed; following it…',
            );
      await messageView(main, undefined, message.messageId, done);
    } catch (error) {
      out.replaceChildren(problemBox(error));
    }
  };
  const requireReason = (input) => {
    if (input.value.trim()) return true;
    out.replaceChildren(problemBox(new Error('Give a reason: it goes to the audit log.')));
    input.focus();
    return false;
  };

  return h(
    'section',
    { class: 'card', id: 'actions' },
    out,
    replayable
      ? h(
          'form',
          {
            id: 'replay-form',
            onsubmit: (event) => {
              event.preventDefault();
              if (!requireReason(reason)) return;
              const edited = payload.value !== current;
              act('replay', {
                reason: reason.value.trim(),
                ...(edited ? { payload: payload.value } : {}),
                ...(force.checked ? { force: true } : {}),
              });
            },
          },
          h('h2', {}, 'Replay'),
          h(
            'p',
            { class: 'muted' },
            'Replays the message as received, or — if you edit it below — a corrected payload of the same system, version and type (validated against its contract; the original is kept).',
          ),
          field('Payload', payload),
          h(
            'div',
            { class: 'row' },
            field('Reason', reason),
            message.status === 'applied'
              ? h('label', { class: 'check' }, force, ' force (already applied: re-applied idempotently)')
              : null,
            h('button', { type: 'submit', id: 'replay' }, 'Replay'),
          ),
        )
      : null,
    discardable
      ? h(
          'form',
          {
            id: 'discard-form',
            onsubmit: (event) => {
              event.preventDefault();
              if (requireReason(discardReason)) act('discard', { reason: discardReason.value.trim() });
            },
          },
          h('h2', {}, 'Discard'),
          h(
            'p',
            { class: 'muted' },
            'Gives the message up: it will not be applied. The reason is kept in the audit log.',
          ),
          h(
            'div',
            { class: 'row' },
            field('Reason', discardReason),
            h('button', { type: 'submit', class: 'danger', id: 'discard' }, 'Discard'),
          ),
        )
      : null,
  );
}

/** While the message is queued or being applied, re-reads it until it settles (only while it is shown). */
function follow(main, messageId) {
  const shown = window.location.hash;
  setTimeout(async () => {
    if (window.location.hash !== shown) return;
    try {
      const message = await api('GET', `/ops/messages/${encodeURIComponent(messageId)}`);
      if (window.location.hash !== shown) return;
      if (PENDING.includes(message.status)) follow(main, messageId);
      else await messageView(main, undefined, messageId, notice(`Now ${message.status}.`));
    } catch {
      // The next navigation or a manual refresh shows the error; following is best effort.
    }
  }, 500);
}
