/**
 * Building the page without ever parsing HTML: every value becomes a text node or a property,
 * so a payload (attacker-controlled) shows as text and can never become markup. No HTML string
 * is ever assigned to an element anywhere in the console (a test checks the files).
 */

/**
 * Creates an element. `props`: `class`, `hidden`, `value`, `checked`, `disabled`, event handlers
 * (`onclick`… as functions), other attributes as strings. `href` must stay inside the hub (starts
 * with `#` or `/`). Children: nodes, strings (as text), numbers; null/false/undefined are skipped;
 * arrays are flattened.
 * @param {string} tag
 * @param {Record<string, unknown>} [props]
 * @param {...unknown} children
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) {
      if (typeof value !== 'function') throw new TypeError(`${name} must be a function`);
      element.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    } else if (name === 'class') element.className = String(value);
    else if (name === 'value' || name === 'checked' || name === 'disabled' || name === 'hidden') {
      // @ts-expect-error: properties, not attributes (a textarea's value is not an attribute)
      element[name] = value;
    } else if (name === 'href') {
      const href = String(value);
      if (!href.startsWith('#') && !href.startsWith('/')) throw new TypeError(`refusing link ${href}`);
      element.setAttribute('href', href);
    } else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `element` shows. */
export function show(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/** A date-time as the operator reads it (local time), or '—'. */
export function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A status as a coloured badge. */
export function badge(status) {
  const known = /^[a-z]+$/.test(String(status)) ? ` status-${status}` : '';
  return h('span', { class: `status${known}`, 'data-status': String(status) }, String(status));
}

/** Any value as indented JSON text (for canonical forms, details). */
export function json(value) {
  return h('pre', {}, JSON.stringify(value, null, 2));
}

/**
 * An error for the operator: a problem+json reply says what happened (`detail`), its stable
 * `code`, and which fields were wrong (`errors`).
 */
export function problemBox(error) {
  const problem = error && typeof error === 'object' && 'problem' in error ? error.problem : undefined;
  if (!problem) return h('div', { class: 'problem', role: 'alert' }, String(error?.message ?? error));
  const fields = Array.isArray(problem.errors) ? problem.errors : [];
  return h(
    'div',
    { class: 'problem', role: 'alert' },
    h(
      'div',
      {},
      h('strong', {}, problem.title ?? 'Error'),
      ' ',
      h('span', { class: 'code' }, problem.code ?? ''),
    ),
    problem.detail ? h('div', {}, problem.detail) : null,
    fields.length
      ? h(
          'ul',
          {},
          fields.map((f) =>
            h('li', {}, h('code', {}, f.path || '/'), ' ', f.message ?? '', f.code ? ` (${f.code})` : ''),
          ),
        )
      : null,
  );
}

/** A success line. */
export function notice(...children) {
  return h('div', { class: 'notice', role: 'status' }, ...children);
}

/** A table from rows; `columns` are [heading, cell(row)] pairs. */
export function table(columns, rows, emptyText = 'Nothing here.') {
  if (rows.length === 0) return h('p', { class: 'empty' }, emptyText);
  return h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map(([heading]) => h('th', {}, heading)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          {},
          columns.map(([, cell, cls]) => h('td', cls ? { class: cls } : {}, cell(row))),
        ),
      ),
    ),
  );
}

/** A labelled input. */
export function field(label, input) {
  return h('label', {}, label, input);
}

/** The value of a datetime-local input as an ISO date-time, or undefined. */
export function isoOf(localValue) {
  if (!localValue) return undefined;
  const date = new Date(localValue);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
