import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe } from 'vitest';
import { createDynamoStore, ensureTable } from '../../functions/adapters/aws/dynamodb';
import type { Store } from '../../functions/ports';
import { localDynamoClient, startDynalite } from '../../functions/runtime/dynalite';
import { awsClientConfig, describeWithEmulator, startMoto } from '../helpers/moto';
import { storeContract } from './store.contract';

describe('DynamoDB store on dynalite in memory', () => {
  let store: Store;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    const server = await startDynalite({});
    const client = localDynamoClient(server.endpoint);
    await ensureTable(client, 'contract');
    store = createDynamoStore({ client, tableName: 'contract' });
    stop = server.close;
  });
  afterAll(() => stop());
  storeContract(() => store, { billsBySize: true });
});

describe('DynamoDB store on dynalite on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'growthloop-store-'));
  let store: Store;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    const server = await startDynalite({ path: dir });
    const client = localDynamoClient(server.endpoint);
    await ensureTable(client, 'contract');
    store = createDynamoStore({ client, tableName: 'contract' });
    stop = server.close;
  });
  afterAll(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  storeContract(() => store, { billsBySize: true });
});

describeWithEmulator('DynamoDB store on moto_server', () => {
  let store: Store;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    const moto = await startMoto();
    const client = new DynamoDBClient(awsClientConfig(moto.endpoint));
    await ensureTable(client, 'contract');
    store = createDynamoStore({ client, tableName: 'contract' });
    stop = moto.stop;
  });
  afterAll(() => stop());
  storeContract(() => store, { billsBySize: false });
});
