// Stores for tests: the DynamoDB adapter on dynalite (in memory or on disk) or on moto_server.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoStore, ensureTable } from '../../functions/adapters/aws/dynamodb';
import type { Item, Key, Store } from '../../functions/ports';
import { localDynamoClient, startDynalite } from '../../functions/runtime/dynalite';
import { awsClientConfig, startMoto } from './moto';

export type TestStore = { store: Store; endpoint: string; stop(): Promise<void> };

export async function dynaliteStore(path?: string): Promise<TestStore> {
  const server = await startDynalite({ path });
  const client = localDynamoClient(server.endpoint);
  await ensureTable(client, 'growthloop-test');
  const store = createDynamoStore({ client, tableName: 'growthloop-test' });
  return {
    store,
    endpoint: server.endpoint,
    async stop() {
      client.destroy();
      await server.close();
    },
  };
}

export async function motoStore(): Promise<TestStore> {
  const moto = await startMoto();
  const client = new DynamoDBClient(awsClientConfig(moto.endpoint));
  await ensureTable(client, 'growthloop-test');
  const store = createDynamoStore({ client, tableName: 'growthloop-test' });
  return {
    store,
    endpoint: moto.endpoint,
    async stop() {
      client.destroy();
      await moto.stop();
    },
  };
}

/** Runs `before` once, just before the first put of the item with this key: a race staged between a read and a write. */
export function beforeFirstPut(store: Store, key: Key, before: () => Promise<unknown>) {
  const put = store.put.bind(store);
  let armed = true;
  store.put = async (item: Item, condition) => {
    if (armed && item.pk === key.pk && item.sk === key.sk) {
      armed = false;
      await before();
    }
    return put(item, condition);
  };
}
