import {
  type AttributeDefinition,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  type ConsumedCapacity,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  ResourceNotFoundException,
  ScanCommand,
  type ScanCommandOutput,
  type TableDescription,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { decodeCounters } from '../../contracts/stored';
import {
  type Capacity,
  ConditionFailedError,
  type Item,
  type Key,
  type Page,
  type PutCondition,
  type Store,
} from '../../ports';
import { table } from '../../table';
import { type Attributes, fromAttributes, toAttributes } from './attributes';

const MAX_BATCH_GET = 100;
const MAX_BATCH_WRITE = 25;

// convertClassInstanceToMap: a map with an own key named `constructor` (a trait, an order id) would otherwise be taken for a class instance.
const fromItem = (attributes: Attributes) => fromAttributes<Item>(attributes);

/** The condition that the stored item is at `version`. */
const atVersion = (version: number) => ({
  ConditionExpression: '#version = :version',
  ExpressionAttributeNames: { '#version': 'version' },
  ExpressionAttributeValues: toAttributes({ ':version': version }),
});
type StartKey = Record<string, never> | undefined;
/** A page's LastEvaluatedKey as an opaque cursor (plain JSON: the keys are strings) and back. */
const cursorOf = (last: ScanCommandOutput['LastEvaluatedKey']): string | undefined =>
  last ? JSON.stringify(fromAttributes(last)) : undefined;
const startOf = (cursor: string | undefined): StartKey =>
  cursor === undefined ? undefined : (toAttributes(JSON.parse(cursor) as Record<string, unknown>) as StartKey);
const pageWith = <T>(items: T[], next: string | undefined): Page<T> =>
  next === undefined ? { items } : { items, next };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const chunk = <T>(list: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, i * size + size));

/** The Store port over DynamoDB: the same code talks to AWS, moto_server and dynalite. */
export function createDynamoStore({ client, tableName }: { client: DynamoDBClient; tableName: string }): Store {
  const consumed: Capacity = { read: 0, write: 0 };
  const count = (kind: keyof Capacity, capacity: ConsumedCapacity | ConsumedCapacity[] | undefined) => {
    for (const c of [capacity ?? []].flat()) consumed[kind] += c.CapacityUnits ?? 0;
  };
  const keyOf = (key: Key) => toAttributes({ pk: key.pk, sk: key.sk });

  async function withUnprocessedRetries<T>(initial: T[], send: (batch: T[]) => Promise<T[]>): Promise<void> {
    let pending = initial;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt) * Math.random());
      if (attempt > 12) throw new Error(`DynamoDB left ${pending.length} requests unprocessed after ${attempt} tries`);
      pending = await send(pending);
    }
  }

  async function batchGet(keys: readonly Key[], consistent: boolean): Promise<Item[]> {
    const found: Item[] = [];
    await Promise.all(
      chunk(keys, MAX_BATCH_GET).map((part) =>
        withUnprocessedRetries(part.map(keyOf), async (batch) => {
          const out = await client.send(
            new BatchGetItemCommand({
              RequestItems: { [tableName]: { Keys: batch, ConsistentRead: consistent } },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          );
          count('read', out.ConsumedCapacity);
          for (const item of out.Responses?.[tableName] ?? []) found.push(fromItem(item));
          return out.UnprocessedKeys?.[tableName]?.Keys ?? [];
        }),
      ),
    );
    return found;
  }
  const read = coalescedReads(batchGet);

  /** A page of the table keys under one key condition of a KEYS_ONLY index. */
  async function indexKeys(
    options: { cursor?: string; limit?: number } | undefined,
    query: Pick<
      QueryCommandInput,
      'IndexName' | 'KeyConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<Page<Key>> {
    const out = await client.send(
      new QueryCommand({
        TableName: tableName,
        ...query,
        ExclusiveStartKey: startOf(options?.cursor),
        Limit: options?.limit,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    count('read', out.ConsumedCapacity);
    const keys = (out.Items ?? []).map((entry) => {
      const { pk, sk } = fromItem(entry);
      return { pk, sk };
    });
    return pageWith(keys, cursorOf(out.LastEvaluatedKey));
  }

  return {
    consumed,

    async get(key, options) {
      const [item] = await read([key], options?.consistent ?? false);
      return item;
    },

    getMany: (keys, options) => read(keys, options?.consistent ?? false),

    async put(item, condition?: PutCondition) {
      const conditional =
        condition === undefined
          ? {}
          : 'ifAbsent' in condition
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : atVersion(condition.ifVersion);
      try {
        const out = await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: toAttributes(item),
            ReturnConsumedCapacity: 'TOTAL',
            ...(condition ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}),
            ...conditional,
          }),
        );
        count('write', out.ConsumedCapacity);
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
        // A refused conditional write is billed too, at least one unit.
        consumed.write += 1;
        throw new ConditionFailedError(item, e.Item ? fromItem(e.Item) : undefined);
      }
    },

    async putMany(items) {
      // One batch may not hold the same key twice: the last write of a key wins.
      const unique = [...new Map(items.map((i) => [`${i.pk}\u0000${i.sk}`, i])).values()];
      await Promise.all(
        chunk(unique, MAX_BATCH_WRITE).map((part) =>
          withUnprocessedRetries(
            part.map((item) => ({ PutRequest: { Item: toAttributes(item) } })),
            async (batch) => {
              const out = await client.send(
                new BatchWriteItemCommand({ RequestItems: { [tableName]: batch }, ReturnConsumedCapacity: 'TOTAL' }),
              );
              count('write', out.ConsumedCapacity);
              return (out.UnprocessedItems?.[tableName] ?? []) as typeof batch;
            },
          ),
        ),
      );
    },

    async addToSet(key, attribute, values) {
      if (values.length === 0) return;
      const out = await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: keyOf(key),
          UpdateExpression: 'ADD #set :values',
          ExpressionAttributeNames: { '#set': attribute },
          ExpressionAttributeValues: { ':values': { SS: [...new Set(values)] } },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      count('write', out.ConsumedCapacity);
    },

    async claim(key, attribute, member, limit) {
      try {
        const out = await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: keyOf(key),
            UpdateExpression: 'ADD #set :members',
            ConditionExpression: 'attribute_not_exists(#set) OR size(#set) < :limit OR contains(#set, :member)',
            ExpressionAttributeNames: { '#set': attribute },
            ExpressionAttributeValues: {
              ':members': { SS: [member] },
              ':member': { S: member },
              ':limit': { N: String(limit) },
            },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        count('write', out.ConsumedCapacity);
        return true;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return false;
        throw e;
      }
    },

    async increment(key, counters, options) {
      const names = Object.keys(counters);
      if (names.length === 0) return {};
      // A bounded counter may take the addition while it is absent or at most bound − delta.
      const bounded = names.flatMap((name, i) => {
        const bound = options?.atMost && Object.hasOwn(options.atMost, name) ? options.atMost[name] : undefined;
        return bound === undefined ? [] : [{ i, room: bound - (counters[name] as number) }];
      });
      if (bounded.some(({ room }) => room < 0)) throw new ConditionFailedError(key);
      const values = Object.fromEntries(names.map((name, i) => [`:c${i}`, counters[name]]));
      for (const { i, room } of bounded) values[`:room${i}`] = room;
      const condition = bounded.map(({ i }) => `(attribute_not_exists(#c${i}) OR #c${i} <= :room${i})`).join(' AND ');
      try {
        const out = await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: keyOf(key),
            UpdateExpression: `ADD ${names.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
            ...(condition ? { ConditionExpression: condition } : {}),
            ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#c${i}`, name])),
            ExpressionAttributeValues: toAttributes(values),
            ReturnConsumedCapacity: 'TOTAL',
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        count('write', out.ConsumedCapacity);
        return out.Attributes ? decodeCounters(key, names, fromAttributes(out.Attributes)) : {};
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) throw new ConditionFailedError(key);
        throw e;
      }
    },

    async query(pk, options) {
      const items: Item[] = [];
      let start: Record<string, never> | undefined;
      do {
        const out = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: options?.skPrefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
            ExpressionAttributeValues: toAttributes(
              options?.skPrefix ? { ':pk': pk, ':prefix': options.skPrefix } : { ':pk': pk },
            ),
            ConsistentRead: options?.consistent ?? false,
            ExclusiveStartKey: start,
            Limit: options?.limit ? options.limit - items.length : undefined,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        count('read', out.ConsumedCapacity);
        for (const item of out.Items ?? []) items.push(fromItem(item));
        start = out.LastEvaluatedKey as typeof start;
      } while (start && (options?.limit === undefined || items.length < options.limit));
      return items;
    },

    async scan(pkPrefix) {
      const items: Item[] = [];
      let start: Record<string, never> | undefined;
      do {
        const out = await client.send(
          new ScanCommand({
            TableName: tableName,
            FilterExpression: 'begins_with(pk, :prefix)',
            ExpressionAttributeValues: toAttributes({ ':prefix': pkPrefix }),
            ExclusiveStartKey: start,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        count('read', out.ConsumedCapacity);
        for (const item of out.Items ?? []) items.push(fromItem(item));
        start = out.LastEvaluatedKey as typeof start;
      } while (start);
      return items;
    },

    async scanPage(pkPrefix, options) {
      const out = await client.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: 'begins_with(pk, :prefix)',
          ExpressionAttributeValues: toAttributes({ ':prefix': pkPrefix }),
          ExclusiveStartKey: startOf(options?.cursor),
          Limit: options?.limit,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      count('read', out.ConsumedCapacity);
      return pageWith((out.Items ?? []).map(fromItem), cursorOf(out.LastEvaluatedKey));
    },

    async buyerKeys(shard, options) {
      return indexKeys(options, {
        IndexName: table.buyerIndex.name,
        KeyConditionExpression: '#shard = :shard',
        ExpressionAttributeNames: { '#shard': table.buyerIndex.partitionKey },
        ExpressionAttributeValues: toAttributes({ ':shard': shard }),
      });
    },

    async audienceKeys(shard, range, options) {
      const { partitionKey, sortKey } = table.audienceIndex;
      const byPrefix = 'prefix' in range;
      return indexKeys(options, {
        IndexName: table.audienceIndex.name,
        KeyConditionExpression: byPrefix
          ? '#shard = :shard AND begins_with(#key, :prefix)'
          : '#shard = :shard AND #key BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#shard': partitionKey, '#key': sortKey },
        ExpressionAttributeValues: toAttributes(
          byPrefix
            ? { ':shard': shard, ':prefix': range.prefix }
            : { ':shard': shard, ':from': range.from, ':to': range.to },
        ),
      });
    },

    async dueKeys(shard, { upTo, limit }) {
      const keys: Key[] = [];
      if (limit !== undefined && limit <= 0) return keys;
      let start: Record<string, never> | undefined;
      do {
        const out = await client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: table.dueIndex.name,
            KeyConditionExpression: '#shard = :shard AND #day <= :upTo',
            ExpressionAttributeNames: { '#shard': table.dueIndex.partitionKey, '#day': table.dueIndex.sortKey },
            ExpressionAttributeValues: toAttributes({ ':shard': shard, ':upTo': upTo }),
            ExclusiveStartKey: start,
            Limit: limit === undefined ? undefined : limit - keys.length,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        // With TOTAL, the units of the index read are in ConsumedCapacity.CapacityUnits (AWS, moto and dynalite).
        count('read', out.ConsumedCapacity);
        for (const entry of out.Items ?? []) {
          const { pk, sk } = fromItem(entry);
          keys.push({ pk, sk });
        }
        start = out.LastEvaluatedKey as typeof start;
      } while (start && (limit === undefined || keys.length < limit));
      return keys;
    },

    async delete(key, condition) {
      const conditional = condition && atVersion(condition.ifVersion);
      try {
        const out = await client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: keyOf(key),
            ReturnConsumedCapacity: 'TOTAL',
            ...conditional,
          }),
        );
        count('write', out.ConsumedCapacity);
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
        consumed.write += 1;
        throw new ConditionFailedError(key);
      }
    },
  };
}

const indexAttributes: AttributeDefinition[] = [
  { AttributeName: table.dueIndex.partitionKey, AttributeType: 'S' },
  { AttributeName: table.dueIndex.sortKey, AttributeType: 'S' },
  { AttributeName: table.buyerIndex.partitionKey, AttributeType: 'S' },
  { AttributeName: table.audienceIndex.partitionKey, AttributeType: 'S' },
  { AttributeName: table.audienceIndex.sortKey, AttributeType: 'S' },
];

/** The indexes hold keys only: readers get the items they need by key. */
function keysOnlyIndex(index: { name: string; partitionKey: string; sortKey?: string }): GlobalSecondaryIndex {
  return {
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' as const }] : []),
    ],
    Projection: { ProjectionType: 'KEYS_ONLY' },
  };
}

const dueIndexDefinition = keysOnlyIndex(table.dueIndex);
const buyerIndexDefinition = keysOnlyIndex(table.buyerIndex);
const audienceIndexDefinition = keysOnlyIndex(table.audienceIndex);

/** Every index the table needs: a table that lacks one of them is rebuilt (ensureTable). */
const INDEX_NAMES = [table.dueIndex.name, table.buyerIndex.name, table.audienceIndex.name];

async function describeTable(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (e) {
    if (!(e instanceof ResourceNotFoundException) && (e as Error).name !== 'ResourceNotFoundException') throw e;
    return undefined;
  }
}

const hasIndexes = (description: TableDescription) =>
  INDEX_NAMES.every((name) => description.GlobalSecondaryIndexes?.some((index) => index.IndexName === name));

async function createTable(client: DynamoDBClient, tableName: string) {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: table.partitionKey, AttributeType: 'S' },
        { AttributeName: table.sortKey, AttributeType: 'S' },
        ...indexAttributes,
      ],
      KeySchema: [
        { AttributeName: table.partitionKey, KeyType: 'HASH' },
        { AttributeName: table.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [dueIndexDefinition, buyerIndexDefinition, audienceIndexDefinition],
    }),
  );
  for (let i = 0; i < 100 && (await describeTable(client, tableName))?.TableStatus !== 'ACTIVE'; i++) await sleep(50);
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
      }),
    );
  } catch {
    // dynalite does not implement TTL; expiry matters only in AWS.
  }
}

async function deleteTable(client: DynamoDBClient, tableName: string) {
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  for (let i = 0; i < 100 && (await describeTable(client, tableName)); i++) await sleep(50);
}

async function copyItems(client: DynamoDBClient, from: string, to: string) {
  const target = createDynamoStore({ client, tableName: to });
  let start: ScanCommandOutput['LastEvaluatedKey'];
  do {
    const out = await client.send(new ScanCommand({ TableName: from, ExclusiveStartKey: start }));
    await target.putMany((out.Items ?? []).map(fromItem));
    start = out.LastEvaluatedKey;
  } while (start);
}

/**
 * Creates the table with the stack's key schema, due, buyer and audience indexes and TTL if it does not exist
 * (local runtime, tests; in AWS the stack owns the table). A table made by an earlier version without
 * one of the indexes is rebuilt with them, since dynalite cannot add an index: its items are copied to
 * `<name>-rebuild`, the table is created again and they are copied back. A rebuild cut short
 * resumes at the next start from whichever copy is whole.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const spare = `${tableName}-rebuild`;
  const current = await describeTable(client, tableName);
  if (await describeTable(client, spare)) {
    if (current && !hasIndexes(current)) {
      // Cut short while copying out: the old table is whole.
      await deleteTable(client, spare);
    } else {
      // Cut short after the old table was dropped: the spare is whole.
      if (!current) await createTable(client, tableName);
      await copyItems(client, spare, tableName);
      await deleteTable(client, spare);
      return;
    }
  }
  if (current && hasIndexes(current)) return;
  if (current) {
    await createTable(client, spare);
    await copyItems(client, tableName, spare);
    await deleteTable(client, tableName);
    await createTable(client, tableName);
    await copyItems(client, spare, tableName);
    await deleteTable(client, spare);
    return;
  }
  await createTable(client, tableName);
}

type Reader = { keys: Key[]; resolve: (items: Item[]) => void; reject: (e: unknown) => void };
const idOf = (key: Key) => `${key.pk}\u0000${key.sk}`;
const uniqueKeys = (keys: readonly Key[]) => [...new Map(keys.map((k) => [idOf(k), k])).values()];

/**
 * Reads asked for in the same turn of the event loop (the customers of a batch, each stepped on
 * its own) go to the table together, as BatchGetItem requests of up to 100 keys, one round trip
 * instead of one each. A combined read that fails is made again for each reader alone, so one
 * reader's error stays its own; a key two readers asked for is a copy for the second.
 */
export function coalescedReads(batchGet: (keys: readonly Key[], consistent: boolean) => Promise<Item[]>) {
  const waiting = new Map<boolean, Reader[]>();
  const alone = (reader: Reader, consistent: boolean) =>
    batchGet(reader.keys, consistent).then(reader.resolve, reader.reject);

  function flush(consistent: boolean) {
    const readers = waiting.get(consistent) ?? [];
    waiting.delete(consistent);
    if (readers.length === 1) return void alone(readers[0] as Reader, consistent);
    batchGet(uniqueKeys(readers.flatMap((r) => r.keys)), consistent).then(
      (items) => {
        const found = new Map(items.map((item) => [idOf(item), item]));
        const given = new Set<string>();
        for (const reader of readers) {
          reader.resolve(
            reader.keys.flatMap((key) => {
              const id = idOf(key);
              const item = found.get(id);
              if (!item) return [];
              if (!given.has(id)) {
                given.add(id);
                return [item];
              }
              return [structuredClone(item)];
            }),
          );
        }
      },
      () => {
        for (const reader of readers) alone(reader, consistent);
      },
    );
  }

  return (keys: readonly Key[], consistent: boolean): Promise<Item[]> => {
    const unique = uniqueKeys(keys);
    if (unique.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      let readers = waiting.get(consistent);
      if (!readers) {
        readers = [];
        waiting.set(consistent, readers);
        setImmediate(() => flush(consistent));
      }
      readers.push({ keys: unique, resolve, reject });
    });
  };
}
