import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { waitFor } from './wait.ts';

/** An operator's (or anyone's) call: JSON in, the reply out. */
export function call(
  app: FastifyInstance,
  token: string | undefined,
  method: 'GET' | 'POST',
  url: string,
  payload?: unknown,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}

const RPLS_HEADER =
  'identifiant_rpls;siren_bailleur;code_commune;nb_pieces;surface_habitable;type_construction;annee_achevement;financement;conventionne;qpv';

/** Imports logements of a bailleur into the parc through the RPLS route, and waits until the import completed. */
export async function importParc(
  app: FastifyInstance,
  rplsToken: string,
  logements: string[],
  siren = '123456789',
): Promise<void> {
  const rows = logements.map((id) => `${id};${siren};59350;3;64.5;COLLECTIF;1972;PLUS;1;0`);
  const reply = await app.inject({
    method: 'POST',
    url: '/connectors/rpls/v1/imports?mode=upsert',
    headers: { authorization: `Bearer ${rplsToken}`, 'content-type': 'text/csv; charset=utf-8' },
    payload: `${[RPLS_HEADER, ...rows].join('\n')}\n`,
  });
  if (reply.statusCode !== 202) throw new Error(`RPLS import refused: ${reply.statusCode} ${reply.body}`);
  const { importId } = reply.json<{ importId: string }>();
  const { status } = await importFinished(app, rplsToken, importId);
  if (status !== 'completed') throw new Error(`RPLS import ${status}`);
}

/** Waits until an RPLS import is no longer `running`, and returns its view (GET …/imports/{id}). */
export function importFinished(
  app: FastifyInstance,
  rplsToken: string,
  importId: string,
  timeoutMs = 20_000,
): Promise<{ status: string } & Record<string, unknown>> {
  return waitFor(
    async () => {
      const view = (
        await app.inject({
          method: 'GET',
          url: `/connectors/rpls/v1/imports/${importId}`,
          headers: { authorization: `Bearer ${rplsToken}` },
        })
      ).json<{ status: string } & Record<string, unknown>>();
      return view.status === 'running' ? undefined : view;
    },
    timeoutMs,
    'the import to finish',
  );
}
