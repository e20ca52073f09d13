import { field, h, show } from '../dom.js';

/** The infocentre's printable reports, and the routes that give them. */
const REPORTS = [
  ['flux', 'Flux: the flux table and its chart, by territory'],
  ['attributions', 'Attributions: the monthly rhythm against the expected line'],
];

/**
 * The infocentre's reports ask for a territory and a period (`territoire`, `du`, `au`): a link
 * without them was a 400. This form builds the report's address, last year by default, and opens
 * it in a new tab (the session cookie opens it as it opens the queues dashboard).
 */
export function reportsView(main) {
  const lastYear = new Date().getFullYear() - 1;
  const report = h(
    'select',
    { name: 'report', id: 'report' },
    REPORTS.map(([value, label]) => h('option', { value }, label)),
  );
  const territoires = h('input', {
    name: 'territoire',
    id: 'territoire',
    value: 'france',
    required: true,
    placeholder: 'france, departement:59, region:32, epci:200093201, commune:59350',
  });
  const du = h('input', { type: 'date', name: 'du', id: 'du', value: `${lastYear}-01-01`, required: true });
  const au = h('input', { type: 'date', name: 'au', id: 'au', value: `${lastYear}-12-31`, required: true });
  const address = () => {
    const search = new URLSearchParams();
    for (const code of territoires.value.split(/[\s,;]+/).filter(Boolean)) search.append('territoire', code);
    search.set('du', du.value);
    search.set('au', au.value);
    return `/infocentre/rapports/${report.value}?${search}`;
  };
  const form = h(
    'form',
    {
      id: 'report-form',
      onsubmit: (event) => {
        event.preventDefault();
        window.open(address(), '_blank', 'noopener');
      },
    },
    field('Report', report),
    field('Territories (one or more, separated by spaces or commas)', territoires),
    h('div', { class: 'row' }, field('From', du), field('To (inclusive)', au)),
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Open the report ↗')),
  );
  show(
    main,
    h('h1', {}, 'Infocentre reports'),
    h(
      'p',
      { class: 'muted' },
      'The same figures as the infocentre routes, printable. Operators see true numbers; the other roles see small counts hidden by statistical secrecy.',
    ),
    h('section', { class: 'card' }, form),
  );
}
