// The dispatcher on the local runtime: a journey's push and e-mail reach the outbox once, with
// the template rendered for the customer, consent checked at send time, and each send and skip
// on the customer's timeline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/adapters/clock';
import { CustomerTimeline } from '../../functions/contracts/http-api';
import type { CanonicalEvent } from '../../functions/core/events/schemas';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';
import { postSettled, storeTemplates } from '../helpers/runtime';

const T0 = Date.parse('2026-03-02T10:00:00Z'); // 11:00 in Berlin, outside quiet hours
const config = demoConfig();
const tenant = config.tenants[0]!;
// Nobody held out in the control group, so every consenting customer gets the journey's sends.
tenant.dispatch = { guardrails: { controlGroup: { percent: 0 } } } as typeof tenant.dispatch;
const clock = new ManualClock(T0);
let runtime: LocalRuntime;

const journey = {
  id: 'welcome',
  name: 'Welcome',
  entry: { type: 'event', event: 'login' },
  startActivity: 'hello',
  activities: {
    hello: { type: 'action', action: { kind: 'email', template: 'hello' }, next: 'nudge' },
    nudge: { type: 'action', action: { kind: 'push', template: 'nudge' } },
  },
};

beforeAll(async () => {
  runtime = await startLocal({ config, dataDir: '', memory: true, port: 0, clock, daily: false });
  await storeTemplates(runtime, clock, tenant, [
    {
      id: 'hello',
      channels: {
        email: {
          subject: 'Welcome, {{ profile.traits.first_name }}',
          text: 'Glad to see you, {{ profile.traits.first_name }}.',
        },
      },
    },
    { id: 'nudge', channels: { push: { body: '{{ profile.traits.first_name }}, new arrivals are in' } } },
  ]);
  expect((await admin('POST', '/v1/journeys', journey)).status).toBe(201);
  expect((await admin('POST', '/v1/journeys/welcome/publish')).status).toBe(200);
});
afterAll(() => runtime.close());

function admin(method: string, path: string, body?: unknown) {
  return fetch(`${runtime.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${tenant.adminKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const post = (event: Omit<CanonicalEvent, 'tenantId' | 'source'>) => postSettled(runtime, tenant.apiKey, event);

async function customer(id: string, consent: boolean) {
  await post({
    type: 'identify',
    eventId: `identify-${id}`,
    customerId: id,
    occurredAt: new Date(T0 - 60_000).toISOString(),
    properties: {
      traits: { first_name: id === 'ada' ? 'Ada' : 'Li', email: `${id}@example.com`, pushEndpoint: `device-${id}` },
    },
  } as unknown as CanonicalEvent);
  for (const channel of ['email', 'push'])
    await post({
      type: 'consent_changed',
      eventId: `consent-${id}-${channel}`,
      customerId: id,
      occurredAt: new Date(T0 - 30_000).toISOString(),
      properties: { channel, granted: consent },
    } as CanonicalEvent);
}

const login = (id: string, n = 1) =>
  post({
    type: 'login',
    eventId: `login-${id}-${n}`,
    customerId: id,
    occurredAt: new Date(T0).toISOString(),
    properties: {},
  } as CanonicalEvent);

async function outbox() {
  const res = await admin('GET', '/v1/outbox');
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Record<string, unknown>[] }).items;
}

describe('the dispatcher under npm start', () => {
  it('sends the journey’s e-mail and push to the outbox, rendered for the customer', async () => {
    await customer('ada', true);
    await login('ada');
    // The two actions of one step are dispatched side by side: the outbox holds them in either order.
    const items = (await outbox()).sort((a, b) => String(a.channel).localeCompare(String(b.channel)));
    expect(items.map((i) => [i.channel, i.customerId])).toEqual([
      ['email', 'ada'],
      ['push', 'ada'],
    ]);
    expect(items[0]).toMatchObject({ to: 'ada@example.com', subject: 'Welcome, Ada', text: 'Glad to see you, Ada.' });
    expect(items[1]).toMatchObject({ endpoint: 'device-ada', body: 'Ada, new arrivals are in' });
  });

  it('skips a customer who gave no consent, with the reason on the timeline and in the journey stats', async () => {
    await customer('li', false);
    await login('li');
    expect((await outbox()).filter((i) => i.customerId === 'li')).toEqual([]);
    const timeline = (await (await admin('GET', '/v1/customers/li/timeline')).json()) as {
      entries: { state: string; reason?: string; rule?: string }[];
    };
    expect(timeline.entries.map((e) => [e.state, e.reason, e.rule])).toEqual([
      ['skipped', 'consent', 'marketing_opted_out'],
      ['skipped', 'consent', 'marketing_opted_out'],
    ]);
    const { stats } = (await (await admin('GET', '/v1/journeys/welcome')).json()) as { stats: Record<string, unknown> };
    expect(stats).toMatchObject({ queued: 4, sent: 2, skipped: 2, skippedBy: { consent: 2 } });
  });

  it('lists ada’s sends on her timeline, with the guardrails applied in order', async () => {
    const timeline = (await (await admin('GET', '/v1/customers/ada/timeline')).json()) as {
      entries: { state: string; channel: string; decisions: { guardrail: string; verdict: string }[] }[];
    };
    expect(timeline.entries.map((e) => [e.state, e.channel]).sort()).toEqual([
      ['sent', 'email'],
      ['sent', 'push'],
    ]);
    expect(timeline.entries[0]?.decisions.map((d) => d.guardrail)).toEqual([
      'consent',
      'control',
      'cap',
      'quiet_hours',
      'budget',
    ]);
  });

  it('shows li’s events beside the skipped messages on the timeline, latest first, no personal field', async () => {
    const res = await admin('GET', '/v1/customers/li/timeline');
    expect(res.status).toBe(200);
    const timeline = CustomerTimeline.parse(await res.json());
    // The login entered the journey, which ended once both its (skipped) actions were done.
    expect(timeline.events.map((e) => [e.type, e.at, e.from])).toEqual([
      ['journey_ended', new Date(T0).toISOString(), 'journeys'],
      ['journey_entered', new Date(T0).toISOString(), 'journeys'],
      ['lifecycle.stage_changed', new Date(T0).toISOString(), 'profile'],
      ['login', new Date(T0).toISOString(), 'profile'],
      ['consent_changed', new Date(T0 - 30_000).toISOString(), 'profile'],
      ['consent_changed', new Date(T0 - 30_000).toISOString(), 'profile'],
      ['first_seen', new Date(T0 - 60_000).toISOString(), 'profile'],
      ['identify', new Date(T0 - 60_000).toISOString(), 'profile'],
    ]);
    expect(timeline.events[0]?.summary).toEqual({ journeyId: 'welcome', version: 1, outcome: 'completed' });
    expect(timeline.events.filter((e) => e.type === 'consent_changed').map((e) => e.summary)).toEqual(
      expect.arrayContaining([
        { channel: 'email', granted: false },
        { channel: 'push', granted: false },
      ]),
    );
    // The identify's traits are personal: the timeline tells how many, never what.
    expect(timeline.events.find((e) => e.type === 'identify')?.summary).toEqual({ traits: 3 });
    expect(JSON.stringify(timeline)).not.toContain('li@example.com');
    expect(timeline.entries.every((e) => e.state === 'skipped' && e.journeyId === 'welcome')).toBe(true);
    // A customer nobody knows: both lists empty, not a 404.
    const unknown = CustomerTimeline.parse(await (await admin('GET', '/v1/customers/nobody/timeline')).json());
    expect(unknown).toEqual({ customerId: 'nobody', entries: [], events: [] });
  });

  it('keeps no readable personal field of an erased customer in the outbox', async () => {
    expect((await admin('DELETE', '/v1/customers/ada')).status).toBe(200);
    clock.advance(61_000); // past the minute an unwrapped key stays in memory
    const ada = (await outbox()).filter((i) => i.customerId === 'ada');
    expect(ada).toHaveLength(2);
    for (const item of ada)
      expect(Object.keys(item).sort()).toEqual(['channel', 'customerId', 'id', 'key', 'sentAt', 'tenantId']);
  });

  it('shows an erased customer’s timeline empty', async () => {
    const timeline = CustomerTimeline.parse(await (await admin('GET', '/v1/customers/ada/timeline')).json());
    expect(timeline).toEqual({ customerId: 'ada', entries: [], events: [] });
  });
});
