import { describe, expect, it } from 'vitest';
import { escapeHtml, nombreFr, page } from './html.ts';

describe('html', () => {
  it('escapes what could make markup', () => {
    expect(escapeHtml(`<script>alert("x") & 'y'</script>`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;',
    );
    expect(page('<b>', '')).toContain('<title>&lt;b&gt;</title>');
  });

  it('prints numbers the French way, "-" for a secret cell', () => {
    expect(nombreFr(90584)).toBe('90\u202f584');
    expect(nombreFr(64.08, 2)).toBe('64,08');
    expect(nombreFr(null)).toBe('-');
  });
});
