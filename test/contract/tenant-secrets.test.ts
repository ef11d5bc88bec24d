import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTenantSecretsReader } from '../../functions/adapters/aws/tenant-secrets';
import { awsClientConfig, describeWithEmulator, type Moto, startMoto } from '../helpers/moto';

describeWithEmulator('tenant secrets from Secrets Manager on moto_server', () => {
  let moto: Moto;
  let client: SecretsManagerClient;
  beforeAll(async () => {
    moto = await startMoto();
    client = new SecretsManagerClient(awsClientConfig(moto.endpoint));
  });
  afterAll(async () => {
    client.destroy();
    await moto.stop();
  });

  it("reads a tenant's secrets and picks up a new value after the cache time", async () => {
    const { ARN } = await client.send(
      new CreateSecretCommand({ Name: 'growthloop/rotating', SecretString: '{"shop":{"shopifyWebhookSecret":"one"}}' }),
    );
    let now = 0;
    const secretsOf = createTenantSecretsReader({ client, secretId: ARN as string, now: () => now });
    expect(await secretsOf('shop')).toEqual({ shopifyWebhookSecret: 'one' });
    expect(await secretsOf('other')).toBeUndefined();
    await client.send(
      new PutSecretValueCommand({ SecretId: ARN, SecretString: '{"shop":{"shopifyWebhookSecret":"two"}}' }),
    );
    expect(await secretsOf('shop')).toEqual({ shopifyWebhookSecret: 'one' });
    now += 6 * 60 * 1000;
    expect(await secretsOf('shop')).toEqual({ shopifyWebhookSecret: 'two' });
  });

  it('knows no tenant while the secret has no value, and refuses a malformed one', async () => {
    const { ARN: empty } = await client.send(new CreateSecretCommand({ Name: 'growthloop/empty' }));
    expect(await createTenantSecretsReader({ client, secretId: empty as string })('shop')).toBeUndefined();
    const { ARN: bad } = await client.send(
      new CreateSecretCommand({ Name: 'growthloop/bad', SecretString: '{"shop":{"shopifySecret":"typo"}}' }),
    );
    await expect(createTenantSecretsReader({ client, secretId: bad as string })('shop')).rejects.toThrow(/not valid/);
  });
});
