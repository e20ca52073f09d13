/**
 * A stable `operationId` from a route's method and URL, so that generated clients get the same
 * names release after release without anyone declaring them: `GET /sne/demandes/:numeroUnique` →
 * `getSneDemandesByNumeroUnique`. Two routes cannot share a method and URL, hence the ids are unique;
 * a route may still declare `schema.operationId` to choose a better one.
 */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .split('/')
    .filter((segment) => segment !== '')
    .flatMap((segment) => {
      const param = /^[:{]([^}]+)}?$/.exec(segment)?.[1];
      return param ? ['by', param] : segment.split(/[^A-Za-z0-9]+/);
    })
    .filter((word) => word !== '');
  return [method.toLowerCase(), ...words.map((word) => word[0]?.toUpperCase() + word.slice(1))].join('');
}
