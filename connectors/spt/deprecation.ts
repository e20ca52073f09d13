import type { SptDeprecation } from './version.ts';

/**
 * The headers every reply of a deprecated version's route carries, errors included:
 * `Deprecation` (RFC 9745, a structured-field date: `@` and Unix seconds), `Sunset` (RFC 8594, an
 * HTTP-date) and a `Link` to the successor's route (RFC 5829 `successor-version`).
 */
export function deprecationHeaders(deprecation: SptDeprecation): Record<string, string> {
  return {
    deprecation: `@${Math.floor(deprecation.deprecatedAt.getTime() / 1000)}`,
    sunset: deprecation.sunsetAt.toUTCString(),
    link: `</connectors/spt/${deprecation.successor}/lots>; rel="successor-version"`,
  };
}
