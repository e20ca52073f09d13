/**
 * Talking to the hub. The operator's token is sent once, to open a session (`signIn`); the hub
 * answers with an HttpOnly cookie that no script reads, and every later call is authenticated by
 * it. The page keeps only who signed in (sessionStorage, gone when the tab closes). Errors come
 * back as problem+json and are thrown as `ApiError` carrying that problem, for the views to show.
 */

const CLIENT_KEY = 'sne-console-client';
/** Where the console before its sessions kept the token itself: removed at sign-in and sign-out. */
const FORMER_TOKEN_KEY = 'sne-console-token';

export const session = {
  get clientId() {
    return sessionStorage.getItem(CLIENT_KEY) ?? undefined;
  },
  save(clientId) {
    sessionStorage.removeItem(FORMER_TOKEN_KEY);
    sessionStorage.setItem(CLIENT_KEY, clientId);
  },
  clear() {
    sessionStorage.removeItem(FORMER_TOKEN_KEY);
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

/** Called when the hub answers 401 to the session: expired, closed, or its token revoked. */
let onUnauthenticated = () => {};
export function whenUnauthenticated(handler) {
  onUnauthenticated = handler;
}

/**
 * One call to the hub.
 * @param {'GET'|'POST'|'DELETE'} method
 * @param {string} path starting with `/`
 * @param {unknown} [body] sent as JSON
 * @param {string} [token] sent instead of the session's cookie (sign-in)
 */
export async function api(method, path, body, token) {
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
    if (response.status === 401 && token === undefined) onUnauthenticated(problem);
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

/** Signs in: checks the token is an operator's and opens the session whose cookie every call carries. */
export async function signIn(token) {
  const who = await api('POST', '/ops/console/session', undefined, token);
  session.save(who.clientId);
  return who;
}

/** Signs out: closes the session (its cookie opens nothing any more) and forgets who signed in. */
export async function signOut() {
  session.clear();
  await api('DELETE', '/ops/console/session').catch(() => {});
}
