import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDynamoStore, ensureTable } from '../../functions/adapters/aws/dynamodb';
import { describeWithEmulator } from '../helpers/moto';
import { dynaliteClient, motoClient, type TestClient } from '../helpers/stores';

// ensureTable on a table from before the audience index (with the due and buyer indexes only): it is
// rebuilt with the index, keeping every item. The rebuilds of tables from before the due and buyer
// indexes are in store.test.ts.

const keysOnly = (name: string, hash: string, range?: string): GlobalSecondaryIndex => ({
  IndexName: name,
  KeySchema: [
    { AttributeName: hash, KeyType: 'HASH' },
    ...(range ? [{ AttributeName: range, KeyType: 'RANGE' as const }] : []),
  ],
  Projection: { ProjectionType: 'KEYS_ONLY' },
});
/** The indexes as growthloop created them before the audience index came. */
const indexesBefore = [keysOnly('due', 'dueShard', 'dueDay'), keysOnly('buyers', 'buyerShard')];

async function tableBeforeAudienceIndex(client: DynamoDBClient, tableName: string) {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['pk', 'sk', 'dueShard', 'dueDay', 'buyerShard'].map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: indexesBefore,
    }),
  );
  while ((await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus !== 'ACTIVE')
    await new Promise((resolve) => setTimeout(resolve, 20));
  const store = createDynamoStore({ client, tableName });
  // The audience attributes are already on one profile (written by a newer version before the rebuild).
  await store.putMany([
    { pk: 'T#C#1', sk: 'PROFILE', dueShard: 'T#DUE#0', dueDay: '2030-01-02', buyerShard: 'T#BUY#0' },
    { pk: 'T#C#2', sk: 'PROFILE', audienceShard: 'T#AUD#0', audienceKey: 'at_risk#-#-' },
    { pk: 'T#3', sk: 'OTHER' },
  ]);
  return store;
}

function upgradeSuite(start: () => Promise<TestClient>) {
  it('rebuilds a table that has the due and buyer indexes but not the audience index, keeping every item', async () => {
    const { client, stop } = await start();
    try {
      const store = await tableBeforeAudienceIndex(client, 'growthloop-old');
      await ensureTable(client, 'growthloop-old');
      const { Table } = await client.send(new DescribeTableCommand({ TableName: 'growthloop-old' }));
      expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual([
        'audience',
        'buyers',
        'due',
      ]);
      expect(Table?.GlobalSecondaryIndexes?.find((index) => index.IndexName === 'audience')).toMatchObject({
        KeySchema: [
          { AttributeName: 'audienceShard', KeyType: 'HASH' },
          { AttributeName: 'audienceKey', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      });
      expect((await store.scan('T#')).map((item) => item.pk).sort()).toEqual(['T#3', 'T#C#1', 'T#C#2']);
      expect(await store.dueKeys('T#DUE#0', { upTo: '2030-12-31' })).toEqual([{ pk: 'T#C#1', sk: 'PROFILE' }]);
      expect((await store.buyerKeys('T#BUY#0')).items).toEqual([{ pk: 'T#C#1', sk: 'PROFILE' }]);
      // The item copied back is in the new index, and so is one written after.
      await store.put({
        pk: 'T#C#4',
        sk: 'PROFILE',
        audienceShard: 'T#AUD#0',
        audienceKey: 'at_risk#dormant#2030-01-01',
      });
      await expect
        .poll(async () => (await store.audienceKeys('T#AUD#0', { prefix: 'at_risk#' })).items, {
          timeout: 10_000,
          interval: 100,
        })
        .toEqual([
          { pk: 'T#C#2', sk: 'PROFILE' },
          { pk: 'T#C#4', sk: 'PROFILE' },
        ]);
      await ensureTable(client, 'growthloop-old');
      expect((await store.scan('T#')).length).toBe(4);
      await expect(client.send(new DescribeTableCommand({ TableName: 'growthloop-old-rebuild' }))).rejects.toThrow();
    } finally {
      await stop();
    }
  });
}

describe('ensureTable on dynalite, from before the audience index', () => upgradeSuite(dynaliteClient));

describeWithEmulator('ensureTable on moto_server, from before the audience index', () => upgradeSuite(motoClient));
