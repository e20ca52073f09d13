/**
 * Every HTTP problem the hub answers with: a stable code, its status and a title. Routes throw
 * `new HttpProblem(code, detail)`; the status comes from here, and the OpenAPI document lists these
 * codes as the enum of every problem's `code`.
 *
 * Codes that name a domain thing are French, as the spec spells its business codes
 * (`DEMANDE_INCONNUE`, `PIECE_TROP_GRANDE`); codes about the envelope (clients, messages, lots,
 * deliveries, media types) are English, as interfaces.md §1 asks.
 */
export const PROBLEM_CODES = {
  // 400: the request cannot be read or does not follow its contract.
  BAD_REQUEST: { status: 400, title: 'The request cannot be served as sent' },
  MALFORMED_REQUEST: { status: 400, title: 'The request is not valid HTTP/1.1' },
  MALFORMED_URL: { status: 400, title: 'The path holds a malformed percent-encoding' },
  UNSUPPORTED_CHARACTER: { status: 400, title: 'The text holds U+0000 or a lone surrogate' },
  MALFORMED_BODY: { status: 400, title: 'The body is not well-formed JSON' },
  CONTRACT_INVALID: { status: 400, title: 'The body does not follow its contract' },
  INVALID_PARAMETER: { status: 400, title: 'A path or query parameter is invalid' },
  DATE_INVALIDE: { status: 400, title: 'A date is invalid, in the future or out of range' },
  PERIODE_INVALIDE: { status: 400, title: 'The period is invalid (du after au, or out of range)' },
  TERRITOIRE_INVALIDE: {
    status: 400,
    title: 'A territoire is not commune:, epci:, departement:, region: or france',
  },
  TERRITOIRE_INCONNU: {
    status: 400,
    title: 'A territoire names no current commune, EPCI, département or région',
  },
  ENCODING_INVALID: { status: 400, title: 'The text is not valid in its declared encoding' },
  XML_MALFORMED: { status: 400, title: 'The XML document is not well-formed' },
  XML_DOCTYPE_FORBIDDEN: { status: 400, title: 'The XML document declares a DOCTYPE or entities' },
  XML_ROOT_INVALID: { status: 400, title: "The XML document's root is not the contract's" },
  CSV_HEADER_INVALID: { status: 400, title: "The CSV header line is not the contract's" },
  PIECE_INVALIDE: { status: 400, title: 'The pièce upload is incomplete or malformed' },
  WEBHOOK_URL_FORBIDDEN: { status: 400, title: 'The webhook URL is not allowed' },
  REVISION_MISMATCH: { status: 400, title: 'The corrected payload is not the same message' },
  // 401 and 403: who is calling, and what it may do.
  UNAUTHENTICATED: { status: 401, title: 'A valid bearer token is required' },
  FORBIDDEN: { status: 403, title: 'This client may not do this' },
  CSRF_REFUSED: { status: 403, title: 'A cookie-authenticated change must come from a page of this hub' },
  // 404: what the path names does not exist (or lies outside the client's scope).
  NOT_FOUND: { status: 404, title: 'No such route' },
  CLIENT_UNKNOWN: { status: 404, title: 'No such client' },
  MESSAGE_UNKNOWN: { status: 404, title: 'No such message' },
  LOT_UNKNOWN: { status: 404, title: 'No such lot' },
  IMPORT_UNKNOWN: { status: 404, title: 'No such import' },
  JOB_UNKNOWN: { status: 404, title: 'No such background job' },
  DELIVERY_UNKNOWN: { status: 404, title: 'No such webhook delivery' },
  CONTRACT_VERSION_UNKNOWN: { status: 404, title: 'This contract version is not served' },
  DEMANDE_INCONNUE: { status: 404, title: 'No such demande' },
  COMMUNE_INCONNUE: { status: 404, title: 'No such current commune' },
  PIECE_INCONNUE: { status: 404, title: 'No such pièce' },
  LOGEMENT_INCONNU: { status: 404, title: 'No such logement in the parc' },
  // 408: the request came too slowly.
  REQUEST_TIMEOUT: { status: 408, title: 'The request was not received in time' },
  // 409: the request conflicts with what is stored.
  CLIENT_EXISTS: { status: 409, title: 'A client with this id or codeGuichet exists' },
  IDEMPOTENCY_CONFLICT: { status: 409, title: 'This message id was used with another content' },
  DELIVERY_NOT_REPLAYABLE: { status: 409, title: 'This webhook delivery cannot be replayed' },
  DELIVERY_NOT_DISCARDABLE: { status: 409, title: 'This webhook delivery cannot be discarded in its state' },
  MESSAGE_NOT_REPLAYABLE: { status: 409, title: 'This message cannot be replayed in its state' },
  MESSAGE_NOT_DISCARDABLE: { status: 409, title: 'This message cannot be discarded in its state' },
  REVISION_FORBIDDEN: { status: 409, title: 'This message cannot be revised' },
  SWEEP_IN_PROGRESS: { status: 409, title: 'A sweep of this kind is running' },
  DEMANDE_PURGEE: { status: 409, title: 'The personal data of this demande were erased' },
  // 413, 414, 415 and 431: sizes and media type.
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The body is larger than allowed' },
  LOT_TOO_LARGE: { status: 413, title: 'The lot holds more messages than allowed' },
  PIECE_TROP_GRANDE: { status: 413, title: 'The pièce is larger than allowed' },
  PARAMETER_TOO_LONG: { status: 414, title: 'A path parameter is too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "The body's media type is not the route's" },
  ENCODING_UNSUPPORTED: { status: 415, title: 'The declared encoding is not supported' },
  PIECE_TYPE_INTERDIT: { status: 415, title: 'The pièce is not a PDF, JPEG or PNG' },
  HEADERS_TOO_LARGE: { status: 431, title: 'The request line and headers are too large' },
  // 429: too many requests for this client's limit.
  RATE_LIMITED: { status: 429, title: 'Too Many Requests' },
  // 422: understood, but refused as a whole.
  TOO_MANY_REJECTED: { status: 422, title: 'Too many rows were rejected; nothing was kept' },
  // 5xx: the hub's side.
  INTERNAL_ERROR: { status: 500, title: 'Unexpected error' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'A service the hub needs is unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEM_CODES;

/** The codes, for the OpenAPI enum of a problem's `code`. */
export const PROBLEM_CODE_NAMES = Object.keys(PROBLEM_CODES) as ProblemCode[];

export function isProblemCode(code: string | undefined): code is ProblemCode {
  return code !== undefined && Object.hasOwn(PROBLEM_CODES, code);
}
