// A record whose data key cannot be read never takes the other records of its batch with it:
// when the key will never open (a wrapped key its master key cannot unwrap, KMS refusing the
// ciphertext) the record is parked in quarantine with why, still sealed; when it may open later
// (KMS throttled) only that record is delivered again. Both consumers of sealed events: the
// profile fold and the journeys.
import { randomBytes } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { createTableDataKeys, dataKeyKey, type KeyWrapper } from '../../../functions/adapters/aws/data-keys';
import { kmsKeyWrapper } from '../../../functions/adapters/aws/kms';
import { ManualClock } from '../../../functions/adapters/clock';
import { createLocalDataKeys, localKeyWrapper } from '../../../functions/adapters/local/data-keys';
import { silentLog } from '../../../functions/adapters/log';
import { createMemoryBus } from '../../../functions/adapters/memory/bus';
import { createMemoryQueue } from '../../../functions/adapters/memory/queue';
import { createMemoryStore } from '../../../functions/adapters/memory/store';
import { createMemoryTimers } from '../../../functions/adapters/memory/timers';
import { createAdvanceJourneys } from '../../../functions/app/advance-journeys/run';
import { createFoldProfiles } from '../../../functions/app/fold-profiles/run';
import { createQuarantine } from '../../../functions/app/quarantine/run';
import type { QueueRecord } from '../../../functions/contracts/messages';
import type { CanonicalEvent } from '../../../functions/core/events/schemas';
import { customerJourneysKey, stateKey, versionKey } from '../../../functions/core/journeys/items';
import { Journey } from '../../../functions/core/journeys/schema';
import { DATA_KEY_BYTES, SEALED_PREFIX, sealEvent } from '../../../functions/core/privacy/sealed';
import { profileKey } from '../../../functions/core/profiles/items';
import { liveProfile } from '../../../functions/core/profiles/markers';
import { type DataKeys, type Item, type Store, UnreadableDataKeyError } from '../../../functions/ports';
import { busDelivery, testEvent } from '../../helpers/events';
import { welcomeJourney } from '../../helpers/journeys';
import { testTenants } from '../../helpers/scoring';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const MINUTE = 60_000;
const tenantId = 'shop';

function world() {
  const clock = new ManualClock(T0);
  const store = createMemoryStore();
  const queue = createMemoryQueue({ clock });
  const bus = createMemoryBus();
  const timers = createMemoryTimers({ queue, clock });
  const masterKey = randomBytes(DATA_KEY_BYTES);
  const deps = { store, queue, bus, timers, clock, tenants: testTenants([tenantId]), log: silentLog };
  // Ingest seals with one process's keys; the consumers open with their own (no shared cache).
  const ingestKeys = createLocalDataKeys({ store, clock, masterKey });
  const consumerKeys = () => createLocalDataKeys({ store, clock, masterKey });
  const quarantine = createQuarantine({ store, queue, clock });
  return { clock, store, queue, timers, deps, masterKey, ingestKeys, consumerKeys, quarantine };
}
type World = ReturnType<typeof world>;

const delivery = (e: CanonicalEvent, receivedAt = T0) => busDelivery(e, receivedAt);

const identify = (customerId: string, email: string) =>
  testEvent(tenantId, 'identify', customerId, T0 - MINUTE, { traits: { email } }, `identify-${customerId}`);

/** An identify event of the customer as ingest puts it on the bus: its traits sealed under their data key. */
async function sealed(w: World, customerId: string, email: string): Promise<QueueRecord> {
  const key = await w.ingestKeys.obtain(tenantId, customerId);
  return delivery(sealEvent(identify(customerId, email), key, () => randomBytes(12)));
}

/** The customer's wrapped data key, altered in place: it no longer opens under the master key. */
async function corruptDataKey(store: Store, customerId: string) {
  const item = (await store.get(dataKeyKey(tenantId, customerId), { consistent: true })) as Item;
  const bytes = Buffer.from(item.wrapped as string, 'base64');
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
  await store.put({ ...item, wrapped: bytes.toString('base64') });
}

const emailOf = async (store: Store, customerId: string) =>
  liveProfile(await store.get(profileKey(tenantId, customerId), { consistent: true }))?.profile.traits.email?.v;

/** The KMS wrapper over a client whose every call fails with `error`, as KMS answers it. */
const failingKms = (error: () => Error) =>
  kmsKeyWrapper({ client: { send: () => Promise.reject(error()) } as unknown as KMSClient, keyId: 'alias/growthloop' });

/** Data keys whose unwrapping fails for one customer as KMS Decrypt answers `error`, and opens the others. */
function keysFailingFor(w: World, customerId: string, error: () => Error): DataKeys {
  const local = localKeyWrapper(w.masterKey);
  const kms = failingKms(error);
  const wrapper: KeyWrapper = {
    ...local,
    unwrap: (wrapped, context) =>
      context.customerId === customerId ? kms.unwrap(wrapped, context) : local.unwrap(wrapped, context),
  };
  return createTableDataKeys({ store: w.store, wrapper, clock: w.clock });
}

const kmsError = (name: string, fields: object) => Object.assign(new Error(`${name} from KMS`), { name, ...fields });

describe('a record whose data key cannot be read', () => {
  it('sealed under a corrupted data key is quarantined with why; the healthy records of its batch fold', async () => {
    const w = world();
    const batch = [
      await sealed(w, 'ada', 'ada@example.org'),
      await sealed(w, 'bob', 'bob@example.org'),
      await sealed(w, 'cy', 'cy@example.org'),
    ];
    await corruptDataKey(w.store, 'bob');
    const fold = createFoldProfiles({ ...w.deps, dataKeys: w.consumerKeys() });

    expect(await fold({ records: batch })).toEqual({ failedIds: [] });
    expect(await emailOf(w.store, 'ada')).toBe('ada@example.org');
    expect(await emailOf(w.store, 'cy')).toBe('cy@example.org');
    expect(await w.store.get(profileKey(tenantId, 'bob'))).toBeUndefined();

    const parked = await w.quarantine.list(tenantId);
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ queue: 'profile-updates', body: batch[1]?.body });
    expect(parked[0]?.reason).toBe(
      'the data key of its sealed fields cannot be read: UnreadableDataKeyError: the data key was not wrapped by this master key for this customer',
    );
    // Parked as delivered: the e-mail stays sealed (erasing bob shreds the quarantined copy too).
    expect(parked[0]?.body).not.toContain('bob@example.org');
    expect(JSON.parse(parked[0]?.body as string).detail.properties.traits.email).toMatch(
      new RegExp(`^${SEALED_PREFIX}`),
    );
  });

  it('refused by KMS as ciphertext is quarantined; delivered again it stays parked once', async () => {
    const w = world();
    const batch = [await sealed(w, 'ada', 'ada@example.org'), await sealed(w, 'bob', 'bob@example.org')];
    const keys = keysFailingFor(w, 'bob', () => kmsError('InvalidCiphertextException', { $fault: 'client' }));
    const fold = createFoldProfiles({ ...w.deps, dataKeys: keys });
    expect(await fold({ records: batch })).toEqual({ failedIds: [] });
    expect(await fold({ records: [batch[1] as QueueRecord] })).toEqual({ failedIds: [] });
    expect(await emailOf(w.store, 'ada')).toBe('ada@example.org');
    const parked = await w.quarantine.list(tenantId);
    expect(parked.map((p) => p.reason)).toEqual([
      'the data key of its sealed fields cannot be read: UnreadableDataKeyError: KMS refused the wrapped data key: InvalidCiphertextException',
    ]);
  });

  it('while KMS throttles is delivered again alone, not parked, and folds once KMS answers', async () => {
    const w = world();
    const batch = [await sealed(w, 'ada', 'ada@example.org'), await sealed(w, 'bob', 'bob@example.org')];
    const throttled = keysFailingFor(w, 'bob', () =>
      kmsError('ThrottlingException', { $fault: 'client', $retryable: { throttling: true } }),
    );
    const result = await createFoldProfiles({ ...w.deps, dataKeys: throttled })({ records: batch });
    expect(result).toEqual({ failedIds: [batch[1]?.id] });
    expect(await emailOf(w.store, 'ada')).toBe('ada@example.org');
    expect(await w.quarantine.list(tenantId)).toEqual([]);

    const again = await createFoldProfiles({ ...w.deps, dataKeys: w.consumerKeys() })({ records: [batch[1]!] });
    expect(again).toEqual({ failedIds: [] });
    expect(await emailOf(w.store, 'bob')).toBe('bob@example.org');
  });

  it('in a journey batch is quarantined for journey-events; the other customers move on', async () => {
    const w = world();
    const journey = Journey.parse({ ...welcomeJourney, status: 'live', version: 1 });
    await w.store.put({ ...versionKey(tenantId, 'welcome', 1), journey, publishedAt: new Date(T0).toISOString() });
    await w.store.put({
      ...stateKey(tenantId, 'welcome'),
      state: { status: 'live', version: 1, updatedAt: new Date(T0).toISOString() },
      version: 1,
    });
    const login = delivery(testEvent(tenantId, 'login', 'ada', T0, {}, 'login-ada'));
    const bad = await sealed(w, 'bob', 'bob@example.org');
    const slow = await sealed(w, 'cy', 'cy@example.org');
    await corruptDataKey(w.store, 'bob');
    const keys = keysFailingFor(w, 'cy', () => kmsError('KMSInternalException', { $fault: 'server' }));
    const advance = createAdvanceJourneys({ ...w.deps, dataKeys: keys });

    const result = await advance({ records: [bad, login, slow] });
    expect(result.failedIds).toEqual([slow.id]);
    expect(await w.store.get(customerJourneysKey(tenantId, 'ada'))).toBeDefined();
    const parked = await w.quarantine.list(tenantId);
    expect(parked.map((p) => ({ queue: p.queue, body: p.body }))).toEqual([
      { queue: 'journey-events', body: bad.body },
    ]);
    expect(parked[0]?.reason).toMatch(/cannot be read/);
  });
});

describe('which KMS failures no attempt cures', () => {
  it.each([
    [kmsError('InvalidCiphertextException', { $fault: 'client' }), true],
    [kmsError('IncorrectKeyException', { $fault: 'client' }), true],
    [kmsError('InvalidKeyUsageException', { $fault: 'client' }), true],
    [kmsError('ThrottlingException', { $fault: 'client', $retryable: { throttling: true } }), false],
    [kmsError('KMSInternalException', { $fault: 'server' }), false],
    [kmsError('DisabledException', { $fault: 'client' }), false],
    [kmsError('AccessDeniedException', { $fault: 'client' }), false],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), false],
  ])('%s: unreadable for good %s', async (error, permanent) => {
    const unwrapped = failingKms(() => error).unwrap('AQID', { tenantId, customerId: 'bob' });
    const thrown = await unwrapped.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(thrown instanceof UnreadableDataKeyError).toBe(permanent);
    if (!permanent) expect(thrown).toBe(error);
  });

  it('a key the local master key did not wrap, or a data key item that does not decode, is unreadable for good', async () => {
    const w = world();
    await w.ingestKeys.obtain(tenantId, 'bob');
    await corruptDataKey(w.store, 'bob');
    await expect(w.consumerKeys().find(tenantId, 'bob')).rejects.toBeInstanceOf(UnreadableDataKeyError);
    await w.store.put({ ...dataKeyKey(tenantId, 'cy'), wrapped: 7 });
    await expect(w.consumerKeys().find(tenantId, 'cy')).rejects.toBeInstanceOf(UnreadableDataKeyError);
  });
});
