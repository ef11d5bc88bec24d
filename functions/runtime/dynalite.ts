import { fork } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { sdkDefaults } from '../adapters/aws/sdk';
import { DATA_KEY_SK } from '../core/privacy/sealed';
import type { Store } from '../ports';

export type Dynalite = {
  endpoint: string;
  /** Rewrites the table's files so that deleted and overwritten values leave the disk (nothing to do in memory). */
  compact(): Promise<void>;
  close(): Promise<void>;
};

type Level = {
  open(): Promise<void>;
  close(): Promise<void>;
  _open(options: object): Promise<void>;
  iterator(options?: object): AsyncIterable<[Buffer, Buffer]>;
  batch(operations: { type: 'put'; key: Buffer; value: Buffer }[]): Promise<void>;
};
type LevelClass = new (location: string, options: object) => Level;
type TableCallback = (err: Error | null, table?: { TableStatus?: string }) => void;
type TableStore = {
  db: Level;
  tableDb: Record<'put' | 'del', (key: string, ...rest: unknown[]) => unknown>;
  getTable(name: string, checkStatus: boolean | TableCallback, cb?: TableCallback): void;
};
type DynaliteServer = ReturnType<typeof dynalite>;

const requireHere = createRequire(import.meta.url);
/** The LevelDB binding dynalite itself uses. */
const LevelDb = (createRequire(requireHere.resolve('dynalite'))('level') as { Level: LevelClass }).Level;
const UNCOMPRESSED = { keyEncoding: 'buffer', valueEncoding: 'buffer', compression: false };
/** Fewer, larger flushes and a larger block cache than LevelDB's 4 and 8 MiB: compactions compete with requests for the cores. */
const BUFFERS = { writeBufferSize: 64 * 1024 * 1024, cacheSize: 64 * 1024 * 1024 };
const COPY_BATCH = 1_000;

/** A rewrite that a crash interrupted: the old files back if the new ones were not in place yet. */
function recoverRewrite(path: string) {
  if (!existsSync(path) && existsSync(`${path}.old`)) renameSync(`${path}.old`, path);
  rmSync(`${path}.old`, { recursive: true, force: true });
  rmSync(`${path}.new`, { recursive: true, force: true });
}

/** Copies the live entries of the database at `path` into fresh files there: nothing deleted or overwritten stays. */
async function rewriteFiles(path: string) {
  const old = new LevelDb(path, UNCOMPRESSED);
  const fresh = new LevelDb(`${path}.new`, UNCOMPRESSED);
  try {
    await Promise.all([old.open(), fresh.open()]);
    let batch: { type: 'put'; key: Buffer; value: Buffer }[] = [];
    for await (const [key, value] of old.iterator()) {
      batch.push({ type: 'put', key, value });
      if (batch.length >= COPY_BATCH) {
        await fresh.batch(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await fresh.batch(batch);
  } finally {
    await Promise.all([old.close(), fresh.close()]);
  }
  renameSync(path, `${path}.old`);
  renameSync(`${path}.new`, path);
  rmSync(`${path}.old`, { recursive: true, force: true });
}

/**
 * dynalite reads a table's description from LevelDB on every request. Item requests (which ask
 * for an active table: no `checkStatus` argument) get it from memory instead; they only read it.
 * Table requests read it as before (they change their copy), and any write of a description
 * empties the memory.
 */
function rememberActiveTables(store: TableStore) {
  const tables = new Map<string, { TableStatus?: string }>();
  for (const method of ['put', 'del'] as const) {
    const write = store.tableDb[method].bind(store.tableDb);
    store.tableDb[method] = (key, ...rest) => {
      tables.clear();
      return write(key, ...rest);
    };
  }
  const getTable = store.getTable.bind(store);
  store.getTable = (name, checkStatus, cb) => {
    if (typeof checkStatus !== 'function') return getTable(name, checkStatus, cb);
    const done = checkStatus;
    const known = tables.get(name);
    if (known) return process.nextTick(done, null, known);
    getTable(name, (err, table) => {
      if (!err && table?.TableStatus === 'ACTIVE') tables.set(name, table);
      done(err, table);
    });
  };
}

/**
 * dynalite's server with a handle on its LevelDB. LevelDB keeps a deleted or overwritten value in
 * its log and table files until compactions happen to rewrite them (and a compaction keeps what an
 * open iterator can still see, and dynalite leaves its iterators open); an erased customer must not
 * stay there. So `compact` holds new requests, lets the running ones finish, closes the database,
 * copies its live entries into new files that replace the old, and opens it again. Blocks are
 * written uncompressed, so what the files hold is what a byte search of them finds.
 */
export function createDynaliteServer(path: string | undefined): { server: DynaliteServer; compact(): Promise<void> } {
  if (path) recoverRewrite(path);
  const dbModule = requireHere('dynalite/db') as { create: (options: object) => TableStore };
  const create = dbModule.create;
  let level: Level | undefined;
  dbModule.create = (options: object) => {
    const store = create(options);
    rememberActiveTables(store);
    const db = store.db;
    const open = db._open.bind(db);
    // the database opens in a microtask after its construction: this is in time
    db._open = (openOptions: object) => open({ ...openOptions, ...BUFFERS, compression: false });
    level = db;
    return store;
  };
  let server: DynaliteServer;
  try {
    server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  } finally {
    dbModule.create = create;
  }

  let held: Promise<void> | undefined;
  let running = 0;
  let idle: (() => void) | undefined;
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', async (req: IncomingMessage, res: ServerResponse) => {
    while (held) await held;
    running += 1;
    res.once('close', () => {
      running -= 1;
      if (running === 0) idle?.();
    });
    for (const handle of handlers) handle(req, res);
  });

  return {
    server,
    async compact() {
      const db = level;
      if (!path || !db) return;
      while (held) await held;
      let release = () => {};
      held = new Promise<void>((resolve) => {
        release = resolve;
      });
      try {
        if (running > 0) await new Promise<void>((resolve) => (idle = resolve));
        idle = undefined;
        // LevelDB's own close and open: dynalite's close marks its database closed for good
        const levelMethods = Object.getPrototypeOf(db) as Level;
        await levelMethods.close.call(db);
        try {
          await rewriteFiles(path);
        } finally {
          await levelMethods.open.call(db);
        }
      } finally {
        held = undefined;
        release();
      }
    },
  };
}

/**
 * An embedded DynamoDB-compatible server: on disk under `path`, or in memory. With
 * `ownProcess` it runs in a child process (a core of its own, as the local runtime wants);
 * otherwise in this one (quicker to start, for tests).
 */
export async function startDynalite(options: { path?: string; ownProcess?: boolean }): Promise<Dynalite> {
  return options.ownProcess ? startInChild(options.path) : startHere(options.path);
}

async function startHere(path: string | undefined): Promise<Dynalite> {
  const { server, compact } = createDynaliteServer(path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    compact,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function startInChild(path: string | undefined): Promise<Dynalite> {
  const child = fork(new URL('./dynalite-process.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DYNALITE_PATH: path ?? '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`the embedded DynamoDB server exited (code ${code}) before it listened`)),
    );
  });
  let asked = 0;
  const compactions = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  child.on('message', (message: { compacted?: number; failed?: number; reason?: string }) => {
    const n = message.compacted ?? message.failed;
    const waiting = n === undefined ? undefined : compactions.get(n);
    if (!waiting || n === undefined) return;
    compactions.delete(n);
    if (message.compacted !== undefined) waiting.resolve();
    else waiting.reject(new Error(`the embedded DynamoDB could not compact its files: ${message.reason}`));
  });
  child.once('exit', () => {
    for (const waiting of compactions.values()) waiting.reject(new Error('the embedded DynamoDB server exited'));
    compactions.clear();
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    compact: () =>
      new Promise<void>((resolve, reject) => {
        if (child.exitCode !== null || !child.connected)
          return reject(new Error('the embedded DynamoDB server exited'));
        const n = ++asked;
        compactions.set(n, { resolve, reject });
        child.send({ compact: n });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}

const UNCHECKED_SIGNATURE =
  'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0';

/**
 * A client for the embedded server. dynalite wants a signature but never checks it, so none is
 * computed (SigV4 costs CPU); nor does it read the user agent, which the SDK builds per request.
 */
export function localDynamoClient(endpoint: string) {
  const client = new DynamoDBClient({
    ...sdkDefaults,
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    signer: {
      sign: async (request) => {
        request.headers.authorization = UNCHECKED_SIGNATURE;
        request.headers['x-amz-date'] = '20260101T000000Z';
        return request;
      },
    },
    maxAttempts: 10,
  });
  client.middlewareStack.remove('getUserAgentMiddleware');
  return client;
}

/** How long after the last write of an erasure the table's files are compacted. */
const COMPACT_AFTER_MS = 250;

/**
 * The store, compacting the embedded table's files shortly after an erasure (a customer's data key
 * deleted, or a tombstone written), so no erased value stays in them. Compactions do not overlap;
 * writes that come while one runs are followed by another.
 */
export function compactingAfterErasures(
  store: Store,
  compact: () => Promise<void>,
  onError: (e: unknown) => void,
): Store & { settled(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let due = false;
  const schedule = () => {
    due = true;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      due = false;
      running = running.then(compact).catch(onError);
    }, COMPACT_AFTER_MS);
    timer.unref();
  };
  const erasing = {
    put: (key: { sk: string }) => key.sk === 'TOMBSTONE',
    delete: (key: { sk: string }) => key.sk === DATA_KEY_SK,
  };
  return Object.assign(Object.create(store) as Store, {
    async put(item: Parameters<Store['put']>[0], condition?: Parameters<Store['put']>[1]) {
      await store.put(item, condition);
      if (erasing.put(item) || due) schedule();
    },
    async delete(key: Parameters<Store['delete']>[0]) {
      await store.delete(key);
      if (erasing.delete(key) || due) schedule();
    },
    /** Resolves once no compaction is due or running. */
    async settled() {
      while (due || timer) await new Promise((r) => setTimeout(r, COMPACT_AFTER_MS));
      await running;
    },
  });
}
