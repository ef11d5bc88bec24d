import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStore, ensureTable } from '../../functions/adapters/aws/dynamodb';
import type { Store } from '../../functions/ports';
import { describeWithEmulator } from '../helpers/moto';
import {
  dynaliteClient,
  dynaliteStore,
  motoClient,
  motoStore,
  type TestClient,
  type TestStore,
} from '../helpers/stores';
import { type StoreContractOptions, storeContract } from './store.contract';

function storeSuite(start: () => Promise<TestStore>, options: StoreContractOptions) {
  let subject: TestStore;
  beforeAll(async () => {
    subject = await start();
  });
  afterAll(() => subject.stop());
  storeContract(() => subject.store, options);
}

describe('DynamoDB store on dynalite in memory', () =>
  storeSuite(() => dynaliteStore(), { billsBySize: true, atomicUpdates: true }));

describe('DynamoDB store on dynalite on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'growthloop-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  storeSuite(() => dynaliteStore(dir), { billsBySize: true, atomicUpdates: true });
});

describeWithEmulator('DynamoDB store on moto_server', () =>
  storeSuite(motoStore, { billsBySize: false, atomicUpdates: false }),
);

/** The due index as growthloop created it before the buyer index came. */
const oldDueIndex: GlobalSecondaryIndex = {
  IndexName: 'due',
  KeySchema: [
    { AttributeName: 'dueShard', KeyType: 'HASH' },
    { AttributeName: 'dueDay', KeyType: 'RANGE' },
  ],
  Projection: { ProjectionType: 'KEYS_ONLY' },
};

/**
 * A table as an older growthloop created it, with only `indexes` (none: before the due index;
 * the due index: before the buyer index), holding items that are due.
 */
async function tableFromBefore(client: DynamoDBClient, tableName: string, indexes: GlobalSecondaryIndex[]) {
  const indexKeys = indexes.flatMap((index) => index.KeySchema ?? []);
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['pk', 'sk', ...indexKeys.map((key) => key.AttributeName as string)].map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
    }),
  );
  // CreateTable answers while the table is CREATING (dynalite too): writes before ACTIVE are refused.
  while ((await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus !== 'ACTIVE')
    await new Promise((resolve) => setTimeout(resolve, 20));
  const store = createDynamoStore({ client, tableName });
  await store.putMany([
    { pk: 'T#1', sk: 'LATER', dueShard: 'T#DUE#0', dueDay: '2030-01-02' },
    { pk: 'T#2', sk: 'SOONER', dueShard: 'T#DUE#0', dueDay: '2030-01-01' },
    { pk: 'T#3', sk: 'NEVER' },
  ]);
  return store;
}

/** What a rebuilt table must hold: every old item, and the due ones in the index. */
async function expectRebuilt(client: DynamoDBClient, store: Store) {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: 'growthloop-old' }));
  expect(Table?.GlobalSecondaryIndexes).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ IndexName: 'due', Projection: { ProjectionType: 'KEYS_ONLY' } }),
      expect.objectContaining({ IndexName: 'buyers', Projection: { ProjectionType: 'KEYS_ONLY' } }),
      expect.objectContaining({ IndexName: 'audience', Projection: { ProjectionType: 'KEYS_ONLY' } }),
    ]),
  );
  expect(Table?.GlobalSecondaryIndexes).toHaveLength(3);
  expect((await store.scan('T#')).filter((item) => item.pk !== 'T#4')).toHaveLength(3);
  expect(await store.dueKeys('T#DUE#0', { upTo: '2030-12-31' })).toEqual([
    { pk: 'T#2', sk: 'SOONER' },
    { pk: 'T#1', sk: 'LATER' },
  ]);
  await expect(client.send(new DescribeTableCommand({ TableName: 'growthloop-old-rebuild' }))).rejects.toThrow();
}

function upgradeSuite(start: () => Promise<TestClient>) {
  it('rebuilds a table created without the due index, keeping every item and indexing the due ones', async () => {
    const { client, stop } = await start();
    try {
      const store = await tableFromBefore(client, 'growthloop-old', []);
      await ensureTable(client, 'growthloop-old');
      await expectRebuilt(client, store);
      await ensureTable(client, 'growthloop-old');
      await expectRebuilt(client, store);
    } finally {
      await stop();
    }
  });

  it('rebuilds a table that has the due index but not the buyer index, keeping every item', async () => {
    const { client, stop } = await start();
    try {
      const store = await tableFromBefore(client, 'growthloop-old', [oldDueIndex]);
      await ensureTable(client, 'growthloop-old');
      await expectRebuilt(client, store);
      await store.put({ pk: 'T#4', sk: 'PROFILE', buyerShard: 'T#BUY#0' });
      await expect
        .poll(async () => (await store.buyerKeys('T#BUY#0')).items, { timeout: 10_000, interval: 100 })
        .toEqual([{ pk: 'T#4', sk: 'PROFILE' }]);
    } finally {
      await stop();
    }
  });

  it('finishes a rebuild cut short after the old table was dropped, from the spare copy', async () => {
    const { client, stop } = await start();
    try {
      const spare = await tableFromBefore(client, 'growthloop-old-rebuild', []);
      const store = createDynamoStore({ client, tableName: 'growthloop-old' });
      await ensureTable(client, 'growthloop-old');
      expect(await spare.scan('T#').catch(() => 'gone')).toBe('gone');
      await expectRebuilt(client, store);
    } finally {
      await stop();
    }
  });
}

describe('ensureTable on dynalite', () => upgradeSuite(dynaliteClient));

describeWithEmulator('ensureTable on moto_server', () => upgradeSuite(motoClient));
