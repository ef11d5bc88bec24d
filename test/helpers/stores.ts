// Stores for tests: the DynamoDB adapter on dynalite (in memory or on disk) or on moto_server.
import { Agent } from 'node:http';
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

/**
 * A store on moto_server. `oneRequestAtATime`: the client sends one request at a time, as DynamoDB
 * itself applies conditional writes to an item one at a time. moto_server handles requests on threads
 * and does not apply its conditions atomically, so races between its threads are its own, not the code's.
 */
export async function motoStore(options: { oneRequestAtATime?: boolean } = {}): Promise<TestStore> {
  const moto = await startMoto();
  const client = new DynamoDBClient({
    ...awsClientConfig(moto.endpoint),
    ...(options.oneRequestAtATime
      ? { requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 1 }) } }
      : {}),
  });
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

/** A DynamoDB client on an emulator of its own, for tests of the table itself (ensureTable). */
export type TestClient = { client: DynamoDBClient; stop(): Promise<void> };

export async function dynaliteClient(): Promise<TestClient> {
  const server = await startDynalite({});
  const client = localDynamoClient(server.endpoint);
  return {
    client,
    async stop() {
      client.destroy();
      await server.close();
    },
  };
}

export async function motoClient(): Promise<TestClient> {
  const moto = await startMoto();
  const client = new DynamoDBClient(awsClientConfig(moto.endpoint));
  return {
    client,
    async stop() {
      client.destroy();
      await moto.stop();
    },
  };
}
