import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/adapters/clock';
import { silentLog } from '../../functions/adapters/log';
import { createMemoryQueue } from '../../functions/adapters/memory/queue';
import { tenantDirectory, tenantRecords } from '../../functions/core/config/tenants';
import { statsKey, versionKey } from '../../functions/core/journeys/items';
import type { JourneyInput } from '../../functions/core/journeys/schema';
import { createAdminFunction } from '../../functions/handlers/admin';
import type { HttpEvent } from '../../functions/http/lambda';
import type { Store } from '../../functions/ports';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';

const acme = { ...demoConfig().tenants[0]!, id: 'acme', name: 'Acme' };
const globex = { ...demoConfig().tenants[0]!, id: 'globex', name: 'Globex' };
/** Initech sends e-mail only. */
const initech = { ...demoConfig().tenants[0]!, id: 'initech', name: 'Initech', channels: ['email' as const] };
/** A tenant of its own for the shipped examples, whose ids other cases use too. */
const showcase = { ...demoConfig().tenants[0]!, id: 'showcase', name: 'Showcase' };
const config = { tenants: [acme, globex, initech, showcase] };
const tenants = tenantDirectory(tenantRecords(config));
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocal({ config, dataDir: '', memory: true, port: 0, daily: false });
});
afterAll(() => runtime.close());

/** The abandoned-checkout example as a marketer would post it: a draft (status left to the API), under `id`. */
function abandonedCheckout(id = 'abandoned-checkout'): JourneyInput {
  const example = JSON.parse(
    readFileSync(new URL('../../examples/journeys/abandoned-checkout.json', import.meta.url), 'utf8'),
  ) as JourneyInput;
  const { status: _status, ...draft } = example;
  return { ...draft, id };
}

/**
 * Stores for requests racing on the item with sort key `sk`: each request's first read of it
 * finishes only once both requests have read it; a store given `writeAfter` holds its writes of
 * the item until that promise settles.
 */
function racing(store: Store, sk: string) {
  let waiting = 2;
  let release: () => void = () => {};
  const bothRead = new Promise<void>((resolve) => {
    release = resolve;
  });
  return (writeAfter?: Promise<unknown>): Store =>
    Object.assign(Object.create(store) as Store, {
      async get(key: Parameters<Store['get']>[0], options?: Parameters<Store['get']>[1]) {
        const item = await store.get(key, options);
        if (key.sk === sk && waiting > 0) {
          waiting -= 1;
          if (waiting === 0) release();
          await bothRead;
        }
        return item;
      },
      async put(item: Parameters<Store['put']>[0], condition?: Parameters<Store['put']>[1]) {
        if (item.sk === sk) await writeAfter?.catch(() => undefined);
        return store.put(item, condition);
      },
    });
}

/** Calls the admin API's `action` on acme's journey `id` in-process, with `store` as its table. */
function invoke(store: Store, id: string, action: 'publish' | 'pause' | 'resume' | 'archive') {
  const admin = createAdminFunction({
    store,
    queue: createMemoryQueue({ clock: systemClock }),
    tenants,
    clock: systemClock,
    log: silentLog,
  });
  const routeKey = `POST /v1/journeys/{journeyId}/${action}` as const;
  return admin(
    {
      routeKey,
      headers: { authorization: `Bearer ${acme.adminKey}` },
      pathParameters: { journeyId: id },
    } as unknown as HttpEvent,
    {} as Context,
  );
}

type Answer = { status: number; body: Record<string, unknown> };

async function call(
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; key?: string | null; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const key = options.key === undefined ? acme.adminKey : options.key;
  const res = await fetch(`${runtime.url}${path}`, {
    method,
    headers: {
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      ...(options.body !== undefined || options.raw !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const create = (journey: unknown, key?: string) => call('POST', '/v1/journeys', { body: journey, key });
const get = (id: string, key?: string) => call('GET', `/v1/journeys/${id}`, { key });
const list = (key?: string) => call('GET', '/v1/journeys', { key });
const put = (id: string, journey: unknown) => call('PUT', `/v1/journeys/${id}`, { body: journey });
const act = (id: string, action: 'publish' | 'pause' | 'resume' | 'archive', key?: string) =>
  call('POST', `/v1/journeys/${id}/${action}`, { key });

/** A created and published journey under `id`. */
async function live(id: string) {
  expect((await create(abandonedCheckout(id))).status).toBe(201);
  expect((await act(id, 'publish')).status).toBe(200);
}

const refused = (verb: string, status: string) => ({
  status: 409,
  body: {
    error: 'invalid_transition',
    message: `cannot ${verb} ${status === 'archived' ? 'an' : 'a'} ${status} journey`,
    path: 'path.journeyId',
  },
});

describe('the journeys admin API', () => {
  it('creates the abandoned-checkout example as a draft and lists it', async () => {
    const created = await create(abandonedCheckout());
    expect(created).toEqual({
      status: 201,
      body: {
        id: 'abandoned-checkout',
        name: 'Abandoned checkout',
        status: 'draft',
        version: 0,
        updatedAt: expect.any(String),
      },
    });
    const { status, body } = await list();
    expect(status).toBe(200);
    // With its counters: zero before anyone entered.
    const stats = { entered: 0, active: 0, completed: 0, exited: 0, converted: 0, heldOut: 0, failed: 0, sent: 0 };
    expect(body.journeys).toContainEqual({ ...(created.body as object), stats });
  });

  it('reads a draft journey with its draft as posted, no published version and zero stats', async () => {
    await create(abandonedCheckout('read-draft'));
    const { status, body } = await get('read-draft');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 'read-draft',
      status: 'draft',
      version: 0,
      draft: abandonedCheckout('read-draft'),
      published: [],
      journey: abandonedCheckout('read-draft'),
      stats: {
        entered: 0,
        completed: 0,
        exited: 0,
        heldOut: 0,
        treated: 0,
        holdoutConverted: 0,
        treatedConverted: 0,
        converted: 0,
        queued: 0,
        sent: 0,
        skipped: 0,
        waiting: {},
      },
      lift: null,
      liftNote: 'no holdout activity',
    });
  });

  it('publishing a draft makes version 1 live and stores that version', async () => {
    await create(abandonedCheckout('publish-once'));
    const published = await act('publish-once', 'publish');
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ id: 'publish-once', status: 'live', version: 1 });

    const { body } = await get('publish-once');
    expect(body).toMatchObject({
      status: 'live',
      version: 1,
      published: [{ version: 1, publishedAt: expect.any(String) }],
    });
    expect(body.journey).toMatchObject({ id: 'publish-once', version: 1, status: 'live', startActivity: 'wait-1h' });
    const stored = await runtime.store.get(versionKey('acme', 'publish-once', 1));
    expect(stored?.journey).toMatchObject({ version: 1, status: 'live', name: 'Abandoned checkout' });
  });

  it('refuses to publish a journey that acts on a channel the tenant has not configured', async () => {
    expect((await create(abandonedCheckout('push-for-initech'), initech.adminKey)).status).toBe(201);
    const refused = await act('push-for-initech', 'publish', initech.adminKey);
    expect(refused.status).toBe(400);
    expect(refused.body.problems).toContainEqual({
      path: '$.activities.push-reminder.action.kind',
      message: 'channel "push" is not configured for this tenant (configured: email)',
    });
  });

  it('an edited draft published again becomes version 2 while version 1 stays stored unchanged', async () => {
    await live('publish-twice');
    const edited = { ...abandonedCheckout('publish-twice'), name: 'Abandoned checkout, faster' };
    edited.activities = { ...edited.activities, 'wait-1h': { type: 'wait', for: '30m', next: 'push-reminder' } };
    const updated = await put('publish-twice', edited);
    expect(updated).toMatchObject({ status: 200, body: { status: 'live', version: 1 } });

    // Until it is published, the edit is only the draft: the live journey is still version 1.
    const before = await get('publish-twice');
    expect(before.body.draft).toEqual(edited);
    expect(before.body.journey).toMatchObject({ version: 1, name: 'Abandoned checkout' });

    expect(await act('publish-twice', 'publish')).toMatchObject({ status: 200, body: { status: 'live', version: 2 } });
    const { body } = await get('publish-twice');
    expect(body).toMatchObject({ status: 'live', version: 2, name: 'Abandoned checkout, faster' });
    expect((body.published as { version: number }[]).map((p) => p.version)).toEqual([1, 2]);
    expect(body.journey).toMatchObject({ version: 2, activities: { 'wait-1h': { for: '30m' } } });
    const first = await runtime.store.get(versionKey('acme', 'publish-twice', 1));
    expect(first?.journey).toMatchObject({
      version: 1,
      name: 'Abandoned checkout',
      activities: { 'wait-1h': { for: '1h' } },
    });
  });

  it('pauses, resumes and archives a live journey, and an archived journey stays archived', async () => {
    await live('transitions');
    expect(await act('transitions', 'resume')).toEqual(refused('resume', 'live'));
    expect(await act('transitions', 'pause')).toMatchObject({ status: 200, body: { status: 'paused', version: 1 } });
    expect(await act('transitions', 'pause')).toEqual(refused('pause', 'paused'));
    expect((await get('transitions')).body.journey).toMatchObject({ version: 1, status: 'paused' });
    expect(await act('transitions', 'resume')).toMatchObject({ status: 200, body: { status: 'live', version: 1 } });
    expect(await act('transitions', 'archive')).toMatchObject({
      status: 200,
      body: { status: 'archived', version: 1 },
    });
    expect(await act('transitions', 'resume')).toEqual(refused('resume', 'archived'));
    expect(await act('transitions', 'publish')).toEqual(refused('publish', 'archived'));
    expect(await act('transitions', 'pause')).toEqual(refused('pause', 'archived'));
    expect(await put('transitions', abandonedCheckout('transitions'))).toEqual(refused('edit', 'archived'));
    expect((await get('transitions')).body).toMatchObject({ status: 'archived', version: 1 });
  });

  it('refuses to pause or resume a journey never published, and archives it', async () => {
    await create(abandonedCheckout('never-published'));
    expect(await act('never-published', 'pause')).toEqual(refused('pause', 'draft'));
    expect(await act('never-published', 'resume')).toEqual(refused('resume', 'draft'));
    expect(await act('never-published', 'archive')).toMatchObject({
      status: 200,
      body: { status: 'archived', version: 0 },
    });
  });

  it('publishing a paused journey makes the new version live', async () => {
    await live('paused-publish');
    await act('paused-publish', 'pause');
    expect(await act('paused-publish', 'publish')).toMatchObject({ status: 200, body: { status: 'live', version: 2 } });
  });

  it('of two publishes deciding on the same state, exactly one wins and the other gets 409', async () => {
    await create(abandonedCheckout('race'));
    const storeOf = racing(runtime.store, 'race#STATE');
    const answers = await Promise.all([invoke(storeOf(), 'race', 'publish'), invoke(storeOf(), 'race', 'publish')]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    expect(JSON.parse((answers.find((a) => a.statusCode === 409) as { body: string }).body)).toMatchObject({
      error: 'conflict',
      path: 'path.journeyId',
    });
    expect((await get('race')).body).toMatchObject({ status: 'live', version: 1, published: [{ version: 1 }] });
  });

  it('a resume decided on the paused state before an archive landed is refused: archived stays archived', async () => {
    await live('resume-archive');
    await act('resume-archive', 'pause');
    const storeOf = racing(runtime.store, 'resume-archive#STATE');
    const archived = invoke(storeOf(), 'resume-archive', 'archive');
    const resumed = invoke(storeOf(archived), 'resume-archive', 'resume');
    expect((await archived).statusCode).toBe(200);
    const refusal = await resumed;
    expect({ status: refusal.statusCode, body: JSON.parse(refusal.body as string) }).toEqual(
      refused('resume', 'archived'),
    );
    expect((await get('resume-archive')).body).toMatchObject({ status: 'archived', version: 1 });
  });

  it('shows the journey stats: counters and the customers waiting at each activity', async () => {
    await live('with-stats');
    await runtime.store.increment(statsKey('acme', 'with-stats'), {
      entered: 5,
      queued: 4,
      sent: 3,
      skipped: 1,
      'skipped#consent': 1,
      held_out: 1,
      'at#wait-23h': 2,
      'in#wait-23h': 4,
    });
    expect((await get('with-stats')).body.stats).toEqual({
      entered: 5,
      completed: 0,
      exited: 0,
      heldOut: 1,
      treated: 0,
      holdoutConverted: 0,
      treatedConverted: 0,
      failed: 0,
      converted: 0,
      queued: 4,
      sent: 3,
      skipped: 1,
      skippedBy: { consent: 1 },
      capped: 0,
      couponsRedeemed: 0,
      couponsVoided: 0,
      waiting: { 'wait-23h': 2 },
      reached: { 'wait-23h': 4 },
      arms: {},
    });
    // The list shows the main counters: active are the customers waiting at an activity now.
    const listed = ((await list()).body.journeys as { id: string; stats: unknown }[]).find(
      (j) => j.id === 'with-stats',
    );
    expect(listed?.stats).toEqual({
      entered: 5,
      active: 2,
      completed: 0,
      exited: 0,
      converted: 0,
      heldOut: 1,
      failed: 0,
      sent: 3,
    });
  });

  it('refuses a broken journey with 400 naming every problem by its JSON path, and stores nothing', async () => {
    const broken = abandonedCheckout('broken');
    broken.entry = { type: 'event', event: 'checkout_startd', correlationKey: 'checkoutId' };
    broken.activities = { ...broken.activities, 'wait-1h': { type: 'wait', for: '1h', next: 'push-remindr' } };
    broken.quietTime = { start: '21:00', end: '21:00' };
    const { status, body } = await create(broken);
    expect(status).toBe(400);
    expect(body).toMatchObject({
      error: 'invalid_journey',
      path: '$.activities.email-coupon',
      message: expect.any(String),
    });
    expect((body.problems as { path: string }[]).map((p) => p.path)).toEqual([
      '$.activities.email-coupon',
      '$.activities.push-reminder',
      '$.activities.wait-1h.next',
      '$.activities.wait-23h',
      '$.entry.event',
      '$.quietTime.end',
    ]);
    expect(body.problems).toContainEqual({
      path: '$.entry.event',
      message: 'unknown event type "checkout_startd"; did you mean checkout_started?',
    });
    expect((await get('broken')).status).toBe(404);
  });

  it('refuses schema errors with every path', async () => {
    const bad = { ...abandonedCheckout('bad-schema'), name: '' };
    bad.activities = { ...bad.activities, 'wait-1h': { type: 'wait', for: 'soon', next: 'push-reminder' } };
    const { status, body } = await create(bad);
    expect(status).toBe(400);
    expect((body.problems as { path: string }[]).map((p) => p.path)).toEqual(['$.activities.wait-1h.for', '$.name']);
  });

  it('takes a file that carries a status and version as it is: the draft leaves them to publish', async () => {
    const created = await create({ ...abandonedCheckout('carries-status'), status: 'live', version: 3 });
    expect(created).toMatchObject({ status: 201, body: { status: 'draft', version: 0 } });
    expect((await get('carries-status')).body.draft).not.toHaveProperty('status');
    expect(await act('carries-status', 'publish')).toMatchObject({ status: 200, body: { status: 'live', version: 1 } });
  });

  it('a journey published takes part in the very next event', async () => {
    await create(abandonedCheckout('next-event'));
    // The journey function has read the catalog before the publish (a tenant with other journeys).
    expect(await act('next-event', 'publish')).toMatchObject({ status: 200 });
    const event = {
      type: 'checkout_started',
      eventId: 'co-next-event',
      customerId: 'next-event-customer',
      occurredAt: new Date().toISOString(),
      properties: { checkoutId: 'co-next-event', value: { amount: 4999, currency: 'EUR' } },
    };
    const res = await fetch(`${runtime.url}/v1/events`, {
      method: 'POST',
      headers: { 'x-api-key': acme.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    expect(res.status).toBe(202);
    await expect
      .poll(async () => (await get('next-event')).body.stats, { timeout: 10_000 })
      .toMatchObject({
        entered: 1,
        waiting: { 'wait-1h': 1 },
      });
  });

  it('every shipped example journey posts as it is and publishes', async () => {
    const dir = join(import.meta.dirname, '../../examples/journeys');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const journey = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      expect((await create(journey, showcase.adminKey)).status, file).toBe(201);
      expect((await act(journey.id, 'publish', showcase.adminKey)).status, file).toBe(200);
    }
  });

  it('refuses a draft whose id is not the one in the path, with the path $.id', async () => {
    await create(abandonedCheckout('id-mismatch'));
    const { status, body } = await put('id-mismatch', abandonedCheckout('other-id'));
    expect(status).toBe(400);
    expect(body).toMatchObject({
      error: 'invalid_journey',
      path: '$.id',
      problems: [{ path: '$.id', message: expect.any(String) }],
    });
  });

  it('refuses a body that is not JSON with 400 at $, and one over 256 KB with 413', async () => {
    expect(await call('POST', '/v1/journeys', { raw: '{"id": "x",' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_json', path: '$' },
    });
    const huge = { ...abandonedCheckout('huge'), description: 'x'.repeat(300 * 1024) };
    expect(await create(huge)).toMatchObject({ status: 413, body: { error: 'payload_too_large', path: '$' } });
    expect(
      await call('POST', '/v1/journeys', {
        raw: 'id=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    ).toMatchObject({ status: 415, body: { path: 'headers.content-type' } });
  });

  it('answers 401 without an admin key, with an unknown key or with the tenant API key', async () => {
    await create(abandonedCheckout('acme-only'));
    for (const key of [null, 'not-a-key', acme.apiKey]) {
      expect(await call('GET', '/v1/journeys', { key })).toMatchObject({
        status: 401,
        body: { error: 'unauthorized', path: 'headers.authorization' },
      });
      expect((await call('POST', '/v1/journeys', { key, body: abandonedCheckout('sneaky') })).status).toBe(401);
      expect((await call('POST', '/v1/journeys/acme-only/archive', { key })).status).toBe(401);
    }
  });

  it('another tenant’s admin key cannot see, change or collide with the journey', async () => {
    await live('private');
    expect(await list(globex.adminKey)).toEqual({ status: 200, body: { journeys: [] } });
    expect((await get('private', globex.adminKey)).status).toBe(404);
    expect((await act('private', 'pause', globex.adminKey)).status).toBe(404);
    // The same id is free in another tenant, and creating it there leaves acme's untouched.
    expect((await create(abandonedCheckout('private'), globex.adminKey)).body).toMatchObject({
      status: 'draft',
      version: 0,
    });
    expect((await list(globex.adminKey)).body.journeys).toEqual([expect.objectContaining({ id: 'private' })]);
    expect((await get('private')).body).toMatchObject({ status: 'live', version: 1 });
  });

  it('answers 404 for a journey that does not exist', async () => {
    for (const answer of [
      await get('no-such-journey'),
      await put('no-such-journey', abandonedCheckout('no-such-journey')),
      await act('no-such-journey', 'publish'),
      await act('no-such-journey', 'pause'),
      await act('no-such-journey', 'archive'),
      await get('Not%20An%20Id'),
    ]) {
      expect(answer).toMatchObject({ status: 404, body: { error: 'not_found', path: 'path.journeyId' } });
    }
  });

  it('answers 409 to creating a journey whose id exists, leaving the first draft', async () => {
    await create(abandonedCheckout('duplicate'));
    const again = await create({ ...abandonedCheckout('duplicate'), name: 'Second' });
    expect(again).toMatchObject({ status: 409, body: { error: 'journey_exists', path: '$.id' } });
    expect((await get('duplicate')).body).toMatchObject({ name: 'Abandoned checkout' });
  });
});

describe('validating a journey without saving it (POST /v1/journeys/validate)', () => {
  const validate = (journey: unknown) => call('POST', '/v1/journeys/validate', { body: journey });

  it('answers valid for the shipped examples, and stores nothing', async () => {
    const dir = join(import.meta.dirname, '../../examples/journeys');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const journey = { ...JSON.parse(readFileSync(join(dir, file), 'utf8')), id: `validated-${file.slice(0, -5)}` };
      expect(await validate(journey), file).toEqual({ status: 200, body: { valid: true, problems: [] } });
    }
    expect((await get('validated-abandoned-checkout')).status).toBe(404);
  });

  it('answers every problem POST /v1/journeys refuses, schema and graph, each at its JSON path', async () => {
    const broken = abandonedCheckout('validate-broken');
    broken.entry = { type: 'event', event: 'checkout_startd', correlationKey: 'checkoutId' };
    broken.activities = { ...broken.activities, 'wait-1h': { type: 'wait', for: '1h', next: 'push-remindr' } };
    broken.quietTime = { start: '21:00', end: '21:00' };
    const checked = await validate(broken);
    expect(checked.status).toBe(200);
    expect(checked.body.valid).toBe(false);
    const refusal = await create(broken);
    expect(refusal.status).toBe(400);
    expect(checked.body.problems).toEqual(refusal.body.problems);
    expect((checked.body.problems as { path: string }[]).map((p) => p.path)).toEqual([
      '$.activities.email-coupon',
      '$.activities.push-reminder',
      '$.activities.wait-1h.next',
      '$.activities.wait-23h',
      '$.entry.event',
      '$.quietTime.end',
    ]);
    // The refusal's own path is its first problem's.
    expect(refusal.body.path).toBe('$.activities.email-coupon');
    expect((await get('validate-broken')).status).toBe(404);

    const schema = { ...abandonedCheckout('validate-schema'), name: '' };
    schema.activities = { ...schema.activities, 'wait-1h': { type: 'wait', for: 'soon', next: 'push-reminder' } };
    const schemaProblems = await validate(schema);
    expect(schemaProblems.body).toMatchObject({ valid: false });
    expect((schemaProblems.body.problems as { path: string }[]).map((p) => p.path)).toEqual([
      '$.activities.wait-1h.for',
      '$.name',
    ]);
  });

  it('a PUT refusal names the path of its first problem too', async () => {
    await create(abandonedCheckout('put-refused'));
    const bad = abandonedCheckout('put-refused');
    bad.activities = { ...bad.activities, 'wait-1h': { type: 'wait', for: 'soon', next: 'push-reminder' } };
    expect(await put('put-refused', bad)).toMatchObject({
      status: 400,
      body: { error: 'invalid_journey', path: '$.activities.wait-1h.for' },
    });
  });

  it('refuses what is no JSON as POST does: 400 at $, 415 for another media type, 401 without the key', async () => {
    expect(await call('POST', '/v1/journeys/validate', { raw: '{"id": "x",' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_json', path: '$' },
    });
    expect(
      await call('POST', '/v1/journeys/validate', {
        raw: 'id=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    ).toMatchObject({ status: 415, body: { path: 'headers.content-type' } });
    expect((await call('POST', '/v1/journeys/validate', { key: null, body: abandonedCheckout() })).status).toBe(401);
    // Not a journey at all: a problem at $, not a 5xx.
    expect(await validate([1, 2])).toMatchObject({ status: 200, body: { valid: false, problems: [{ path: '$' }] } });
  });
});

describe('backtesting a journey where there is no event history (POST /v1/journeys/backtest)', () => {
  it('answers 501 not_available, telling the CLI to use, and still refuses bad input first with 4xx', async () => {
    expect(await call('POST', '/v1/journeys/backtest', { body: { journey: abandonedCheckout() } })).toEqual({
      status: 501,
      body: {
        error: 'not_available',
        message: 'backtests in the console need the local runtime; run growthloop journeys backtest --events FILE',
        path: 'path',
      },
    });
    const broken = { ...abandonedCheckout(), name: '' };
    expect(await call('POST', '/v1/journeys/backtest', { body: { journey: broken } })).toMatchObject({
      status: 400,
      body: { error: 'invalid_journey', path: '$.journey.name', problems: [{ path: '$.journey.name' }] },
    });
    expect(
      await call('POST', '/v1/journeys/backtest', { body: { journey: abandonedCheckout(), from: '2026-13-01' } }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_request', path: '$.from' } });
    expect(
      await call('POST', '/v1/journeys/backtest', {
        body: { journey: abandonedCheckout(), from: '2026-02-01', to: '2026-01-01' },
      }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_request', path: '$.to' } });
    expect(
      await call('POST', '/v1/journeys/backtest', { body: { journey: abandonedCheckout(), extra: 1 } }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });
});
