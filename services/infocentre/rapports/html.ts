/**
 * Server-rendered HTML for people: every value written into a page goes through `escapeHtml`, so a
 * name with `<` or `&` (a guichet's, a commune's) cannot inject markup.
 */
export function escapeHtml(value: string | number | null): string {
  if (value === null) return '-';
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A number as French tables print it: thin grouping, decimal comma; `-` for a secret cell. */
export function nombreFr(value: number | null, decimals = 0): string {
  if (value === null) return '-';
  return value.toLocaleString('fr-FR', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A table: headers and rows of already-escaped cells (numbers right-aligned). */
export function table(entetes: string[], lignes: string[][], legende?: string): string {
  const head = entetes.map((e) => `<th scope="col">${escapeHtml(e)}</th>`).join('');
  const body = lignes
    .map(
      (l) =>
        `<tr>${l.map((c, i) => (i === 0 ? `<th scope="row">${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  return `<table>${legende ? `<caption>${escapeHtml(legende)}</caption>` : ''}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const STYLE = `
  body { font-family: system-ui, sans-serif; margin: 2rem; color: #161616; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
  caption { text-align: left; font-weight: 600; margin-bottom: 0.3rem; }
  th, td { border: 1px solid #bbb; padding: 0.25rem 0.5rem; }
  td { text-align: right; font-variant-numeric: tabular-nums; }
  thead th { background: #eef; }
  .note { color: #555; font-size: 0.85rem; }
  svg { max-width: 100%; height: auto; }
  @media print { body { margin: 1cm; } h2 { break-before: auto; } table, svg { break-inside: avoid; } .no-print { display: none; } }
`;

/** A complete printable page. `body` is trusted markup built from escaped values. */
export function page(titre: string, body: string): string {
  return `<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>${escapeHtml(titre)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(titre)}</h1>
${body}
<p class="note no-print"><button onclick="window.print()">Imprimer</button></p>
</body>
</html>`;
}
