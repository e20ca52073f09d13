/**
 * A contract version that has a successor: still served, but every reply of its routes says so, so
 * that integrators see it in their logs long before it is retired.
 */
export interface ContractDeprecation {
  /** Since when (or from when) the version is deprecated: `Deprecation: @<unix seconds>` (RFC 9745). */
  deprecatedAt: Date;
  /** After this the version may stop being served: `Sunset: <HTTP-date>` (RFC 8594). */
  sunsetAt: Date;
  /** The version to move to (`v2`). */
  successor: string;
  /** The successor's route: `Link: <successorPath>; rel="successor-version"`. */
  successorPath: string;
}

/**
 * The headers every reply of a deprecated version's route carries, errors included:
 * `Deprecation` (RFC 9745, a structured-field date: `@` and Unix seconds), `Sunset` (RFC 8594, an
 * HTTP-date) and a `Link` to the successor's route (RFC 5829 `successor-version`).
 */
export function deprecationHeaders(deprecation: ContractDeprecation): Record<string, string> {
  return {
    deprecation: `@${Math.floor(deprecation.deprecatedAt.getTime() / 1000)}`,
    sunset: deprecation.sunsetAt.toUTCString(),
    link: `<${deprecation.successorPath}>; rel="successor-version"`,
  };
}
