import { describe, expect, it } from 'vitest';
import { operationIdOf } from './operation-id.ts';
import { tagOfUrl } from './tags.ts';

describe('operationIdOf', () => {
  it.each([
    ['GET', '/sne/demandes/:numeroUnique', 'getSneDemandesByNumeroUnique'],
    ['GET', '/sne/demandes/{numeroUnique}', 'getSneDemandesByNumeroUnique'],
    ['POST', '/connectors/spt/v2/lots', 'postConnectorsSptV2Lots'],
    ['POST', '/connectors/spt/:version/lots', 'postConnectorsSptByVersionLots'],
    ['POST', '/ops/deliveries/replay', 'postOpsDeliveriesReplay'],
    ['POST', '/ops/deliveries/:id/replay', 'postOpsDeliveriesByIdReplay'],
    ['DELETE', '/admin/clients/:id', 'deleteAdminClientsById'],
    ['GET', '/health/live', 'getHealthLive'],
    ['GET', '/infocentre/attributions/mensuel', 'getInfocentreAttributionsMensuel'],
    ['GET', '/public/communes/:insee/chiffres-cles', 'getPublicCommunesByInseeChiffresCles'],
  ])('%s %s → %s', (method, url, id) => {
    expect(operationIdOf(method, url)).toBe(id);
  });
});

describe('tagOfUrl', () => {
  it.each([
    ['/connectors/spt/v1/lots', 'SPT'],
    ['/connectors/pgp/v1/demandes', 'portail'],
    ['/connectors/dalo/v1/decisions', 'DALO'],
    ['/connectors/contingent/v1/designations', 'contingent'],
    ['/connectors/rpls/v1/imports', 'RPLS'],
    ['/parc/logements/:identifiant', 'RPLS'],
    ['/sne/pieces/:pieceId', 'SNE'],
    ['/messages/:messageId', 'messages'],
    ['/lots/:lotId', 'messages'],
    ['/feeds/events', 'events'],
    ['/ops/sweeps/retention', 'operators'],
    ['/metrics', 'operators'],
    ['/infocentre/flux', 'infocentre'],
    ['/public/annuaire/guichets', 'public'],
    ['/admin/clients', 'administration'],
    ['/health/ready', 'health'],
    ['/somewhere/else', undefined],
  ])('%s → %s', (url, tag) => {
    expect(tagOfUrl(url)).toBe(tag);
  });
});
