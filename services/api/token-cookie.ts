/**
 * The bearer token as a cookie, for pages a person opens from a link (the infocentre's printable
 * reports): a browser cannot add an Authorization header to a link, so the operators' console sets
 * `sne_token=<token>; Path=/infocentre/rapports; Secure; HttpOnly; SameSite=Strict` and the routes
 * that declare `config.tokenCookie` accept it when no Authorization header is sent. Only read-only
 * GET routes declare it (SameSite=Strict keeps other sites from using the cookie anyway).
 */
export const TOKEN_COOKIE = 'sne_token';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route also accepts the bearer token from the `sne_token` cookie. */
    tokenCookie?: boolean;
  }
}

/** The token in a `Cookie` header, if any. */
export function tokenFromCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE && value.length > 0) {
      const token = decodeURIComponent(value.join('='));
      return token.length > 0 ? token : undefined;
    }
  }
  return undefined;
}
