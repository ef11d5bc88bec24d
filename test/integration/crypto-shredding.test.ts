// Crypto-shredding against the real `growthloop start`: personal fields travel sealed under the
// customer's data key, and after an erasure nothing under the data directory (table files, queue
// journals, everything else) nor in the process's logs holds an erased customer's e-mail, phone or
// name, in UTF-8, UTF-16 or base64; an event of theirs captured on its way, replayed, opens to
// nothing.
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStore } from '../../functions/adapters/aws/dynamodb';
import { systemClock } from '../../functions/adapters/clock';
import { createLocalDataKeys, MASTER_KEY_FILE, readOrCreateMasterKey } from '../../functions/adapters/local/data-keys';
import { openSealedFields } from '../../functions/app/fold-profiles/deliveries';
import { DATA_KEY_SK, SEALED_PREFIX } from '../../functions/core/privacy/sealed';
import { demoConfig } from '../../functions/runtime/config-file';
import { localDynamoClient } from '../../functions/runtime/dynalite';
import { ENDPOINT_FILE, TABLE_NAME } from '../../functions/runtime/local';
import { type CliProcess, killAllClis, startCli } from '../helpers/runtime-cli';

const demo = demoConfig();
const secrets = { segmentWriteKey: 'shredding-segment-write-key', shopifyWebhookSecret: 'shredding-shopify-secret' };
const tenant = { ...demo.tenants[0]!, secrets };
const config = { ...demo, tenants: [tenant] };
const run = Date.now().toString(36);
const API_CUSTOMER = `shred-api-${run}`;
const SHOPIFY_ID = `7064055069${Date.now() % 1_000_000_000}`;
const SHOPIFY_CUSTOMER = SHOPIFY_ID;
const personal = {
  apiEmail: `ada.quellwater.${run}@example.org`,
  apiPhone: `+4915170${run.length}${Date.now() % 100_000_000}`,
  segmentEmail: `ada.q.segment.${run}@example.net`,
  segmentPhone: `+33612${Date.now() % 10_000_000}`,
  shopifyEmail: `bob.varnholt.${run}@example.com`,
  shopifyPhone: `+1613555${Date.now() % 10_000}`,
  shopifyLastName: `Varnholt${run}`,
};
const NEEDLES = Object.values(personal);

let dir: string;
let dataDir: string;
let cli: CliProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'growthloop-shredding-'));
  dataDir = join(dir, 'data');
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  cli = await startCli({ configPath, dataDir });
}, 60_000);

afterAll(async () => {
  await killAllClis();
  rmSync(dir, { recursive: true, force: true });
});

const now = () => new Date().toISOString();
const admin = (path: string, method = 'GET') =>
  fetch(`${cli.url}${path}`, { method, headers: { authorization: `Bearer ${tenant.adminKey}` } });

async function profileTraits(customerId: string): Promise<Record<string, unknown> | undefined> {
  const res = await admin(`/v1/customers/${customerId}`);
  return res.status === 200 ? ((await res.json()) as { traits?: Record<string, unknown> }).traits : undefined;
}

async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`not settled within ${timeoutMs} ms:\n${cli.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every file under `root` with its bytes (files that vanish while walking are skipped). */
function filesUnder(root: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    try {
      if (statSync(path).isDirectory()) out.push(...filesUnder(path));
      else out.push({ path, bytes: readFileSync(path) });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return out;
}

/** A text's byte patterns: UTF-8, UTF-16 (both orders), and base64/base64url at each of the three alignments. */
function patterns(text: string): Buffer[] {
  const utf8 = Buffer.from(text, 'utf8');
  const utf16le = Buffer.from(text, 'utf16le');
  const utf16be = Buffer.from(utf16le).swap16();
  const base64 = [0, 1, 2].flatMap((offset) => {
    const shifted = Buffer.concat([Buffer.alloc(offset), utf8]);
    const skip = [0, 2, 3][offset] as number;
    return (['base64', 'base64url'] as const).map((encoding) =>
      Buffer.from(shifted.toString(encoding).replace(/=+$/, '').slice(skip, -2), 'latin1'),
    );
  });
  return [utf8, utf16le, utf16be, ...base64];
}

/** The needles found, each with the files and the encoding it was found in. */
function search(files: readonly { path: string; bytes: Buffer }[], needles: readonly string[]): string[] {
  const found: string[] = [];
  for (const needle of needles) {
    const encodings = patterns(needle);
    for (const file of files) {
      const n = encodings.findIndex((p) => file.bytes.includes(p));
      if (n >= 0) found.push(`${needle} in ${file.path} (pattern ${n})`);
    }
  }
  return found;
}

const queueJournals = () => filesUnder(join(dataDir, 'queues'));

/** The sealed bodies of the queue journals that belong to `customerId`. */
function sealedBodiesOf(customerId: string): string[] {
  return queueJournals()
    .flatMap((f) => f.bytes.toString('utf8').split('\n'))
    .filter((line) => line.includes(SEALED_PREFIX) && line.includes(customerId))
    .flatMap((line) => (JSON.parse(line) as { s?: [string, string][] }).s ?? [])
    .map(([, body]) => body)
    .filter((body) => body.includes(SEALED_PREFIX) && body.includes(JSON.stringify(customerId)));
}

function shopifyCustomer(): Buffer {
  const body = JSON.parse(
    readFileSync(join(import.meta.dirname, '../fixtures/shopify/customers__create.json'), 'utf8'),
  );
  Object.assign(body, {
    id: Number(SHOPIFY_ID),
    admin_graphql_api_id: `gid://shopify/Customer/${SHOPIFY_ID}`,
    email: personal.shopifyEmail,
    phone: personal.shopifyPhone,
    last_name: personal.shopifyLastName,
    created_at: now(),
    updated_at: now(),
  });
  return Buffer.from(JSON.stringify(body));
}

describe('crypto-shredding under growthloop start', () => {
  const captured: string[] = [];

  it('carries personal fields sealed on the bus and in the journals, and folds them in clear into the profile', async () => {
    const posted = await fetch(`${cli.url}/v1/events`, {
      method: 'POST',
      headers: { 'x-api-key': tenant.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'identify',
        eventId: `shred-identify-${run}`,
        customerId: API_CUSTOMER,
        occurredAt: new Date(Date.now() - 60_000).toISOString(),
        properties: { traits: { email: personal.apiEmail, phone: personal.apiPhone, first_name: 'Ada' } },
      }),
    });
    expect(posted.status).toBe(202);
    // answered 202 only once journaled: the body is on disk now, sealed
    captured.push(...sealedBodiesOf(API_CUSTOMER));
    expect(captured.length).toBeGreaterThan(0);

    const segment = await fetch(`${cli.url}/v1/identify`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${secrets.segmentWriteKey}:`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        type: 'identify',
        messageId: `shred-segment-${run}`,
        userId: API_CUSTOMER,
        traits: { email: personal.segmentEmail, phone: personal.segmentPhone },
        timestamp: now(),
      }),
    });
    expect(segment.status).toBe(200);

    const body = shopifyCustomer();
    const secret = secrets.shopifyWebhookSecret;
    const shopify = await fetch(`${cli.url}/v1/webhooks/shopify/${tenant.id}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'customers/create',
        'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'),
      },
      body,
    });
    expect(shopify.status).toBe(200);
    captured.push(...sealedBodiesOf(SHOPIFY_CUSTOMER));

    expect(search(queueJournals(), NEEDLES)).toEqual([]);
    const apiTraits = await eventually(async () => {
      const traits = await profileTraits(API_CUSTOMER);
      return traits?.email === personal.segmentEmail ? traits : undefined;
    });
    expect(apiTraits).toMatchObject({ phone: personal.segmentPhone, first_name: 'Ada' });
    const shopifyTraits = await eventually(() => profileTraits(SHOPIFY_CUSTOMER));
    expect(shopifyTraits).toMatchObject({ email: personal.shopifyEmail, last_name: personal.shopifyLastName });
    // before the erasure the profiles hold them in the table: the search finds them
    expect(search(filesUnder(join(dataDir, 'table')), [personal.shopifyEmail]).length).toBeGreaterThan(0);
  }, 60_000);

  it('leaves no byte of an erased customer under the data directory or in the logs', async () => {
    for (const customerId of [API_CUSTOMER, SHOPIFY_CUSTOMER]) {
      expect((await admin(`/v1/customers/${customerId}`, 'DELETE')).status).toBe(200);
    }
    const left = await eventually(() => {
      const found = search(filesUnder(dataDir), NEEDLES);
      return found.length === 0 ? found : undefined;
    }, 20_000).catch(() => search(filesUnder(dataDir), NEEDLES));
    expect(left).toEqual([]);
    expect(search([{ path: 'the process output', bytes: Buffer.from(cli.output()) }], NEEDLES)).toEqual([]);
  }, 60_000);

  it('an event of theirs captured on its way, replayed after the erasure, opens to no personal field', async () => {
    const { endpoint } = JSON.parse(readFileSync(join(dataDir, ENDPOINT_FILE), 'utf8')) as { endpoint: string };
    const client = localDynamoClient(endpoint);
    try {
      const items = ((await client.send(new ScanCommand({ TableName: TABLE_NAME }))).Items ?? []).map((i) =>
        unmarshall(i),
      );
      const keys = items.filter((i) => i.sk === DATA_KEY_SK).map((i) => String(i.pk));
      expect(keys).not.toContain(`${tenant.id}#C#${API_CUSTOMER}`);
      expect(keys).not.toContain(`${tenant.id}#C#${SHOPIFY_CUSTOMER}`);

      // the consumers' own path, with the master key from the data directory and the live table
      const store = createDynamoStore({ client, tableName: TABLE_NAME });
      const masterKey = readOrCreateMasterKey(join(dataDir, MASTER_KEY_FILE));
      const dataKeys = createLocalDataKeys({ store, clock: systemClock, masterKey });
      expect(captured.length).toBeGreaterThanOrEqual(2);
      for (const body of captured) {
        const opened = JSON.parse(await openSealedFields(dataKeys, body)) as {
          detail: { properties: { traits: Record<string, unknown> } };
        };
        expect(opened.detail.properties.traits).toEqual({});
        for (const needle of NEEDLES) expect(body).not.toContain(needle);
      }
    } finally {
      client.destroy();
    }
  });
});
