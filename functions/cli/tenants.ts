/**
 * `growthloop tenants add|list|rotate-key`: the tenant registry in the table, on this machine or in
 * AWS. Locally it goes through the embedded DynamoDB of a running `growthloop start` (its endpoint
 * is in the data dir), or, when none runs, opens the data dir's table itself (holding its lock).
 * Running functions re-read the registry within seconds: no restart, no deploy.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { z } from 'zod';
import { createDynamoStore, ensureTable } from '../adapters/aws/dynamodb';
import { sdkDefaults } from '../adapters/aws/sdk';
import { systemClock } from '../adapters/clock';
import { addTenant, listEntries, RegistryError, rotateKey, seedTenants } from '../app/tenants/registry';
import { KEY_KINDS, type KeyKind, type TenantEntry } from '../core/config/registry';
import { TenantConfig } from '../core/config/schema';
import { tenantRecords } from '../core/config/tenants';
import type { Store } from '../ports';
import { readConfig } from '../runtime/config-file';
import { DataDirInUseError, isRunning, lockDataDir } from '../runtime/data-dir-lock';
import { localDynamoClient, startDynalite } from '../runtime/dynalite';
import { ENDPOINT_FILE, TABLE_NAME } from '../runtime/local';
import { CliError, parseOptions, reportFailure, UsageError, usageText, wantsHelp } from './command';
import { type Io, processIo } from './io';
import { TENANTS, TENANTS_NOTES, TENANTS_USAGE } from './usage';

export { TENANTS_USAGE };

export const WHERE = {
  'data-dir': { type: 'string', default: '.growthloop' },
  config: { type: 'string', default: 'growthloop.config.json' },
  aws: { type: 'boolean', default: false },
  table: { type: 'string' },
  outputs: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

const OPTIONS = {
  add: { ...WHERE, timezone: { type: 'string' }, currency: { type: 'string' }, name: { type: 'string' } },
  list: WHERE,
  'rotate-key': { ...WHERE, key: { type: 'string' }, 'previous-valid-until': { type: 'string' } },
} as const;

export type Where = { 'data-dir': string; config: string; aws: boolean; table?: string; outputs?: string };
type Registry = { store: Store; close(): Promise<void> };

/** The table the command works on, and how to let it go. */
export async function openRegistry(where: Where): Promise<Registry> {
  if (where.aws) return openAwsRegistry(where);
  if (where.table !== undefined || where.outputs !== undefined)
    throw new UsageError('--table and --outputs go with --aws');
  return openLocalRegistry(where);
}

/** The outputs of the one growthloop stack (the one with a TableName) in a `cdk deploy --outputs-file` file. */
export function stackOutputs(file: string): Record<string, unknown> {
  let outputs: unknown;
  try {
    outputs = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const stacks = Object.values((outputs ?? {}) as Record<string, Record<string, unknown>>).filter(
    (stack) => typeof stack?.TableName === 'string',
  );
  if (stacks.length !== 1)
    throw new CliError(`${file}: expected one stack with a TableName output, found ${stacks.length}`);
  return stacks[0] as Record<string, unknown>;
}

function awsTableName(where: Where): string {
  if (where.table) return where.table;
  if (where.outputs) return stackOutputs(where.outputs).TableName as string;
  const fromEnv = process.env.GROWTHLOOP_TABLE;
  if (fromEnv) return fromEnv;
  throw new UsageError('--aws needs the table: --table NAME, --outputs FILE or GROWTHLOOP_TABLE');
}

async function openAwsRegistry(where: Where): Promise<Registry> {
  const tableName = awsTableName(where);
  const client = new DynamoDBClient(sdkDefaults);
  return { store: createDynamoStore({ client, tableName }), close: async () => client.destroy() };
}

/** The endpoint a running growthloop wrote in the data dir, if that process still runs. */
function runningEndpoint(dataDir: string): string | undefined {
  const file = join(dataDir, ENDPOINT_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const { endpoint, pid } = JSON.parse(readFileSync(file, 'utf8')) as { endpoint?: unknown; pid?: unknown };
    return typeof endpoint === 'string' && typeof pid === 'number' && isRunning(pid) ? endpoint : undefined;
  } catch {
    return undefined; // being written, or left by a process that was killed
  }
}

async function openLocalRegistry(where: Where): Promise<Registry> {
  const dataDir = resolve(where['data-dir']);
  const endpoint = runningEndpoint(dataDir);
  if (endpoint) {
    const client = localDynamoClient(endpoint);
    return {
      store: createDynamoStore({ client, tableName: TABLE_NAME }),
      close: async () => client.destroy(),
    };
  }
  let lock: ReturnType<typeof lockDataDir>;
  try {
    lock = lockDataDir(dataDir, { label: where['data-dir'] });
  } catch (e) {
    if (e instanceof DataDirInUseError)
      throw new CliError(`${e.message} and it does not say where its table is (starting, or --memory); try again`);
    throw e;
  }
  try {
    const dynamo = await startDynalite({ path: join(dataDir, 'table') });
    const client = localDynamoClient(dynamo.endpoint);
    await ensureTable(client, TABLE_NAME);
    const store = createDynamoStore({ client, tableName: TABLE_NAME });
    // As a start would: the config's tenants first, so they can be listed and rotated before one.
    const configPath = resolve(where.config);
    if (existsSync(configPath)) {
      const config = readConfig(configPath);
      const names = new Map(config.tenants.map((t) => [t.id, t.name]));
      await seedTenants(
        store,
        tenantRecords(config).map((r) => ({ ...r, name: names.get(r.id) })),
        systemClock,
      );
    }
    return {
      store,
      close: async () => {
        client.destroy();
        await dynamo.close();
        lock.release();
      },
    };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** A field of the config's tenant schema, checked the same way (same messages). */
function checked<T>(schema: z.ZodType<T>, value: unknown, flag: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${flag} ${JSON.stringify(value)}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** --previous-valid-until: an ISO-8601 time with a zone, a day (its 00:00 UTC), or `now`. */
export function parseValidUntil(text: string | undefined, now: number): string {
  if (text === undefined) throw new UsageError('--previous-valid-until is required: until when the replaced key works');
  if (text === 'now') return new Date(now).toISOString();
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text);
  const ms = Date.parse(day ? `${text}T00:00:00Z` : text);
  if ((!day && !zoned) || !Number.isFinite(ms)) {
    throw new UsageError(
      `--previous-valid-until ${JSON.stringify(text)}: not YYYY-MM-DD or an ISO-8601 time with a zone`,
    );
  }
  return new Date(ms).toISOString();
}

const keyKind = (text: string | undefined): KeyKind => {
  if (text !== undefined && (KEY_KINDS as readonly string[]).includes(text)) return text as KeyKind;
  throw new UsageError(`--key must be api, admin or segment${text === undefined ? '' : `, not ${text}`}`);
};

const onePositional = (positionals: string[]): string => {
  if (positionals.length === 0) throw new UsageError('name the tenant: ID');
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  return checked(TenantConfig.shape.id, positionals[0], 'ID');
};

/** What `list` shows of an entry: never a key, nor a key's hash. */
export function entrySummary(entry: TenantEntry) {
  const keys = Object.fromEntries(
    KEY_KINDS.flatMap((kind) => {
      const key = entry.keys[kind];
      if (!key) return [];
      return [
        [
          kind,
          {
            ...(key.rotatedAt ? { rotatedAt: key.rotatedAt } : {}),
            ...(key.previous ? { previousValidUntil: key.previous.validUntil } : {}),
          },
        ],
      ];
    }),
  );
  return {
    id: entry.id,
    ...(entry.name ? { name: entry.name } : {}),
    timezone: entry.timezone,
    currency: entry.currency,
    source: entry.source === 'cli' ? 'cli' : 'config',
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
    keys,
  };
}

function formatList(entries: ReturnType<typeof entrySummary>[], now: number): string {
  if (entries.length === 0) return 'no tenants registered\n';
  const rows = entries.map((e) => {
    const rotations = Object.entries(e.keys)
      .flatMap(([kind, k]) =>
        k.previousValidUntil && Date.parse(k.previousValidUntil) > now
          ? [`previous ${kind} key until ${k.previousValidUntil}`]
          : [],
      )
      .join(', ');
    return [e.id, e.name ?? '', e.timezone, e.currency, e.source, Object.keys(e.keys).join(','), rotations];
  });
  const header = ['ID', 'NAME', 'TIMEZONE', 'CURRENCY', 'FROM', 'KEYS', 'ROTATING'];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return `${all
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

const isSubcommand = (sub: string): sub is keyof typeof TENANTS => Object.hasOwn(TENANTS, sub);

/** Runs `tenants ARGS`; returns the exit code (0 done; 2 when the command cannot run). */
export async function runTenantsCli(args: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  let usage = TENANTS_USAGE;
  try {
    if (sub === 'help' || sub === '--help' || sub === '-h') {
      const [topic] = rest;
      io.out(topic !== undefined && isSubcommand(topic) ? usageText([TENANTS[topic]], TENANTS_NOTES) : TENANTS_USAGE);
      return 0;
    }
    if (sub === undefined) throw new UsageError('name a subcommand: add, list or rotate-key');
    if (!isSubcommand(sub)) {
      throw new UsageError(
        sub.startsWith('-') ? `unknown option ${sub}` : `unknown command "${sub}" (add, list or rotate-key)`,
      );
    }
    usage = usageText([TENANTS[sub]], TENANTS_NOTES);
    if (wantsHelp(rest)) {
      io.out(usage);
      return 0;
    }
    const now = systemClock.now();
    if (sub === 'add') {
      const { values, positionals } = parseOptions({ args: [...rest], options: OPTIONS.add, allowPositionals: true });
      const id = onePositional(positionals);
      if (values.timezone === undefined)
        throw new UsageError('--timezone is required (an IANA name such as Europe/Berlin)');
      if (values.currency === undefined) throw new UsageError('--currency is required (an ISO 4217 code such as EUR)');
      const tenant = {
        id,
        timezone: checked(TenantConfig.shape.timezone, values.timezone, '--timezone'),
        currency: checked(TenantConfig.shape.currency, values.currency, '--currency'),
        ...(values.name ? { name: values.name } : {}),
      };
      const keys = await withRegistry(values, (store) => addTenant(store, tenant, systemClock));
      if (values.json) io.out(`${JSON.stringify({ tenant, keys })}\n`);
      else
        io.out(
          `tenant ${id} added (${tenant.timezone}, ${tenant.currency}). Its keys, shown only now:\n` +
            `  apiKey           ${keys.apiKey}\n  adminKey         ${keys.adminKey}\n  segmentWriteKey  ${keys.segmentWriteKey}\n`,
        );
      return 0;
    }
    if (sub === 'list') {
      const { values } = parseOptions({ args: [...rest], options: OPTIONS.list });
      const entries = (await withRegistry(values, listEntries)).map((s) => entrySummary(s.entry));
      io.out(values.json ? `${JSON.stringify(entries)}\n` : formatList(entries, now));
      return 0;
    }
    const { values, positionals } = parseOptions({
      args: [...rest],
      options: OPTIONS['rotate-key'],
      allowPositionals: true,
    });
    const tenantId = onePositional(positionals);
    const kind = keyKind(values.key);
    const previousValidUntil = parseValidUntil(values['previous-valid-until'], now);
    const key = await withRegistry(values, (store) =>
      rotateKey(store, { tenantId, kind, previousValidUntil }, systemClock),
    );
    if (values.json) io.out(`${JSON.stringify({ tenantId, key: kind, value: key, previousValidUntil })}\n`);
    else
      io.out(
        `new ${kind} key of ${tenantId}, shown only now:\n  ${key}\nthe previous one works until ${previousValidUntil}\n`,
      );
    return 0;
  } catch (e) {
    return reportFailure(io, 'growthloop tenants', e instanceof RegistryError ? new CliError(e.message) : e, usage);
  }
}

async function withRegistry<T>(where: Where, run: (store: Store) => Promise<T>): Promise<T> {
  const registry = await openRegistry(where);
  try {
    return await run(registry.store);
  } finally {
    await registry.close();
  }
}

/** Entry point for bin/growthloop.ts. */
export function runTenants(args: readonly string[]): Promise<number> {
  return runTenantsCli(args, processIo);
}
