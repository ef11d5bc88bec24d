// Console sign-in on AWS, against moto_server's Cognito: users of a user pool in the marketer and analyst groups
// sign in, and the admin API (the local runtime's HTTP server, with the tenant's auth pointing at the pool's
// issuer and moto's JWKS) lets the marketer publish a journey and the analyst only read it.
import { readFileSync } from 'node:fs';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Context } from 'aws-lambda';
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import { silentLog } from '../../functions/adapters/log';
import { createMemoryQueue } from '../../functions/adapters/memory/queue';
import { createMemoryStore } from '../../functions/adapters/memory/store';
import { GrowthloopConfig } from '../../functions/core/config/schema';
import { tenantDirectory, tenantRecords } from '../../functions/core/config/tenants';
import { createAdminFunction } from '../../functions/handlers/admin';
import type { HttpEvent } from '../../functions/http/lambda';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';
import { awsClientConfig, describeWithEmulator, type Moto, startMoto } from '../helpers/moto';

const PASSWORD = 'Correct-Horse-Battery-9';
type Tokens = { id: string; access: string };

describeWithEmulator('console sign-in with a Cognito user pool (moto_server)', () => {
  let moto: Moto;
  let cognito: CognitoIdentityProviderClient;
  let runtime: LocalRuntime;
  let config: GrowthloopConfig;
  let issuer: string;
  let clientId: string;
  const users: Record<'marketer' | 'analyst', Tokens> = {
    marketer: { id: '', access: '' },
    analyst: { id: '', access: '' },
  };

  beforeAll(async () => {
    moto = await startMoto();
    cognito = new CognitoIdentityProviderClient(awsClientConfig(moto.endpoint));
    const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: 'growthloop-test-console-users' }));
    const poolId = pool.UserPool?.Id ?? '';
    for (const group of ['marketer', 'analyst']) {
      await cognito.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: group }));
    }
    const client = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientName: 'console',
        GenerateSecret: false,
        ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    clientId = client.UserPoolClient?.ClientId ?? '';
    for (const group of ['marketer', 'analyst'] as const) {
      const username = `${group}@shop.example.com`;
      await cognito.send(
        new AdminCreateUserCommand({ UserPoolId: poolId, Username: username, MessageAction: 'SUPPRESS' }),
      );
      await cognito.send(
        new AdminSetUserPasswordCommand({
          UserPoolId: poolId,
          Username: username,
          Password: PASSWORD,
          Permanent: true,
        }),
      );
      await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: username, GroupName: group }));
      const signedIn = await cognito.send(
        new AdminInitiateAuthCommand({
          UserPoolId: poolId,
          ClientId: clientId,
          AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: username, PASSWORD },
        }),
      );
      users[group] = {
        id: signedIn.AuthenticationResult?.IdToken ?? '',
        access: signedIn.AuthenticationResult?.AccessToken ?? '',
      };
    }
    // moto signs as the real service would name the pool; its keys are served on moto's own endpoint.
    issuer = decodeJwt(users.marketer.id).iss ?? '';
    config = GrowthloopConfig.parse({
      tenants: [
        {
          ...demoConfig().tenants[0]!,
          id: 'acme',
          name: 'Acme',
          auth: { issuer, audience: clientId, jwksUri: `${moto.endpoint}/${poolId}/.well-known/jwks.json` },
        },
        { ...demoConfig().tenants[0]!, id: 'globex', name: 'Globex' },
      ],
    });
    runtime = await startLocal({ config, dataDir: '', memory: true, port: 0, daily: false });
  }, 60_000);

  afterAll(async () => {
    await runtime?.close();
    cognito?.destroy();
    await moto?.stop();
  });

  async function call(method: string, path: string, token: string, body?: unknown) {
    const res = await fetch(`${runtime.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  function journey(id: string) {
    const { status: _status, ...draft } = JSON.parse(
      readFileSync(new URL('../../examples/journeys/abandoned-checkout.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    return { ...draft, id };
  }

  it("signs tokens with the pool's issuer and the users' groups", () => {
    expect(issuer).toMatch(/^https:\/\/cognito-idp\.us-east-1\.amazonaws\.com\/us-east-1_\w+$/);
    expect(decodeJwt(users.marketer.id)).toMatchObject({ aud: clientId, 'cognito:groups': ['marketer'] });
    expect(decodeJwt(users.analyst.access)).toMatchObject({ client_id: clientId, 'cognito:groups': ['analyst'] });
  });

  it('lets a user of the marketer group create and publish a journey', async () => {
    expect((await call('POST', '/v1/journeys', users.marketer.id, journey('by-marketer'))).status).toBe(201);
    const published = await call('POST', '/v1/journeys/by-marketer/publish', users.marketer.id);
    expect(published).toMatchObject({ status: 200, body: { id: 'by-marketer', status: 'live', version: 1 } });
  });

  it('lets a user of the analyst group read journeys, and refuses them publishing with 403', async () => {
    expect((await call('POST', '/v1/journeys', users.marketer.access, journey('for-analyst'))).status).toBe(201);
    expect(await call('POST', '/v1/journeys/for-analyst/publish', users.analyst.id)).toEqual({
      status: 403,
      body: {
        error: 'forbidden',
        message: 'the role analyst may not call POST /v1/journeys/{journeyId}/publish: it needs marketer',
        path: 'headers.authorization',
      },
    });
    const listed = await call('GET', '/v1/journeys', users.analyst.id);
    expect(listed.status).toBe(200);
    expect((listed.body.journeys as { id: string }[]).map((j) => j.id)).toEqual(
      expect.arrayContaining(['by-marketer', 'for-analyst']),
    );
    expect((await call('GET', '/v1/journeys/for-analyst', users.analyst.access)).body).toMatchObject({
      status: 'draft',
    });
  });

  it("reaches only the pool's tenant: the other tenant's journeys are not the marketer's", async () => {
    const globex = config.tenants[1]!;
    expect((await call('GET', '/v1/journeys', globex.adminKey)).body).toEqual({ journeys: [] });
  });

  it('answers 401 to a token signed by another key under the same issuer, audience and key id', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ iss: issuer, aud: clientId, 'cognito:groups': ['marketer'], token_use: 'id' })
      .setProtectedHeader({ alg: 'RS256', kid: 'dummy' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(await call('GET', '/v1/journeys', forged)).toEqual({
      status: 401,
      body: { error: 'unauthorized', message: "the token's signature does not verify", path: 'headers.authorization' },
    });
  });

  it('answers 401 to a token that has expired', async () => {
    // The same admin function, two hours later (moto's tokens last one): the keys are moto's, fetched for real.
    const later = new ManualClock(Date.now() + 2 * 3600_000);
    const admin = createAdminFunction({
      store: createMemoryStore(),
      queue: createMemoryQueue({ clock: later }),
      tenants: tenantDirectory(tenantRecords(config)),
      clock: later,
      log: silentLog,
    });
    const result = await admin(
      {
        routeKey: 'GET /v1/journeys',
        headers: { authorization: `Bearer ${users.marketer.id}` },
      } as unknown as HttpEvent,
      {} as Context,
    );
    expect({ status: result.statusCode, body: JSON.parse(result.body ?? '') }).toEqual({
      status: 401,
      body: { error: 'unauthorized', message: 'the token has expired', path: 'headers.authorization' },
    });
  });
});
