import { randomBytes } from 'node:crypto';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe } from 'vitest';
import { createTableDataKeys } from '../../functions/adapters/aws/data-keys';
import { kmsKeyWrapper } from '../../functions/adapters/aws/kms';
import { systemClock } from '../../functions/adapters/clock';
import { localKeyWrapper } from '../../functions/adapters/local/data-keys';
import { createMemoryStore } from '../../functions/adapters/memory/store';
import { awsClientConfig, describeWithEmulator, type Moto, startMoto } from '../helpers/moto';
import { dynaliteStore, type TestStore } from '../helpers/stores';
import { dataKeysContract } from './data-keys.contract';

const clock = systemClock;

describe('data keys in the memory store, wrapped by a local master key', () => {
  const store = createMemoryStore();
  const wrapper = localKeyWrapper(randomBytes(32));
  dataKeysContract(() => ({ store, dataKeys: () => createTableDataKeys({ store, wrapper, clock }) }));
});

describe('data keys in dynalite, wrapped by a local master key', () => {
  let subject: TestStore;
  const wrapper = localKeyWrapper(randomBytes(32));
  beforeAll(async () => {
    subject = await dynaliteStore();
  });
  afterAll(() => subject.stop());
  dataKeysContract(() => ({
    store: subject.store,
    dataKeys: () => createTableDataKeys({ store: subject.store, wrapper, clock }),
  }));
});

describeWithEmulator('data keys in DynamoDB, wrapped by a KMS key, on moto_server', () => {
  let moto: Moto;
  let subject: TestStore;
  let keyId: string;
  let kms: KMSClient;
  beforeAll(async () => {
    moto = await startMoto();
    subject = await dynaliteStore();
    kms = new KMSClient(awsClientConfig(moto.endpoint));
    keyId = String((await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId);
  });
  afterAll(async () => {
    kms?.destroy();
    await subject?.stop();
    await moto?.stop();
  });
  dataKeysContract(() => {
    const wrapper = kmsKeyWrapper({ client: kms, keyId });
    return { store: subject.store, dataKeys: () => createTableDataKeys({ store: subject.store, wrapper, clock }) };
  });
});
