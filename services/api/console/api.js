/**
 * Talking to the hub. The operator's token stays in sessionStorage (gone when the tab closes)
 * and is sent as `Authorization: Bearer`; errors come back as problem+json and are thrown as
 * `ApiError` carrying that problem, for the views to show.
 */

const TOKEN_KEY = 'sne-console-token';
const CLIENT_KEY = 'sne-console-client';

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  },
  get clientId() {
    return sessionStorage.getItem(CLIENT_KEY) ?? undefined;
  },
  save(token, clientId) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(CLIENT_KEY, clientId);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(CLIENT_KEY);
  },
};

/** A refusal or failure of the hub, with its RFC 9457 problem (`code`, `detail`, `errors`). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** Called when the hub answers 401: the token is unknown or revoked. */
let onUnauthenticated = () => {};
export function whenUnauthenticated(handler) {
  onUnauthenticated = handler;
}

/**
 * One call to the hub.
 * @param {'GET'|'POST'|'DELETE'} method
 * @param {string} path starting with `/`
 * @param {unknown} [body] sent as JSON
 * @param {string} [token] overrides the session's (sign-in)
 */
export async function api(method, path, body, token = session.token) {
  const headers = { accept: 'application/json, application/problem+json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, {
      title: 'Hub unreachable',
      code: 'NETWORK',
      detail: 'The hub did not answer. Check the network or whether the hub is running, then retry.',
    });
  }
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    const problem =
      data && typeof data === 'object'
        ? data
        : { title: response.statusText, code: `HTTP_${response.status}`, detail: text.slice(0, 300) };
    if (response.status === 401 && token === session.token) onUnauthenticated(problem);
    throw new ApiError(response.status, problem);
  }
  return data;
}

/** A query string from an object, skipping empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Signs in: checks the token is an operator's and sets the cookie the linked pages need. */
export async function signIn(token) {
  const who = await api('POST', '/ops/console/session', undefined, token);
  session.save(token, who.clientId);
  return who;
}

/** Signs out: forgets the token and clears the cookie. */
export async function signOut() {
  session.clear();
  await api('DELETE', '/ops/console/session', undefined, '').catch(() => {});
}
