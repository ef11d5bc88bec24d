// Journeys that publish must run: one validation at publish and at load, graph walks without
// recursion, numbers the store keeps, and a journey that still fails at run time parks only its
// own instance, never the customer's other journeys.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCatalog } from '../../../functions/core/journeys/catalog';
import { Condition } from '../../../functions/core/journeys/condition-schema';
import { conditionErrors } from '../../../functions/core/journeys/conditions';
import {
  type CustomerJourneys,
  emptyCustomerJourneys,
  onCustomerEvent,
  onCustomerTimer,
} from '../../../functions/core/journeys/customer';
import { loadCatalog, versionKey } from '../../../functions/core/journeys/items';
import { type Customer, enter, type JourneyEvent, onTimer } from '../../../functions/core/journeys/runtime';
import type { Journey } from '../../../functions/core/journeys/schema';
import { MAX_ACTIONS_WITHOUT_WAIT, validateJourney } from '../../../functions/core/journeys/validate';
import { hostileJourney, journeyChain, welcomeJourney } from '../../helpers/journeys';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const DAY = 86_400_000;
const customer: Customer = { profile: { customerId: 'ada', traits: { birthday: 'soon' } }, timeZone: 'Europe/Berlin' };
const login = (at = T0, customerId = 'ada'): JourneyEvent => ({
  type: 'login',
  eventId: `login-${at}`,
  customerId,
  occurredAt: new Date(at).toISOString(),
  properties: {},
});

function valid(input: unknown): Journey {
  const { journey, problems } = validateJourney(input);
  if (!journey) throw new Error(JSON.stringify(problems.slice(0, 3)));
  return { ...journey, status: 'live', version: journey.version ?? 1 };
}
const pathsOf = (input: unknown) => validateJourney(input).problems.map((p) => p.path);
const messagesAt = (input: unknown, path: string) =>
  validateJourney(input)
    .problems.filter((p) => p.path === path)
    .map((p) => p.message);

/** The welcome journey with its wait's next set to `target`, or its activities replaced. */
const withActivities = (activities: Record<string, unknown>, startActivity = 'hello') => ({
  ...welcomeJourney,
  startActivity,
  activities,
});

describe('what validates runs', () => {
  it('next: "constructor" names no activity: refused at its path', () => {
    const journey = withActivities({
      ...welcomeJourney.activities,
      wait: { type: 'wait', for: '1h', next: 'constructor' },
    });
    expect(messagesAt(journey, '$.activities.wait.next')).toEqual(['no activity "constructor" in activities']);
  });

  it('a journey and an activity named constructor validate and run', () => {
    const journey = valid({
      ...welcomeJourney,
      id: 'constructor',
      startActivity: 'constructor',
      activities: {
        constructor: { type: 'action', action: { kind: 'email', template: 'hi' }, next: 'valueof' },
        valueof: { type: 'exit' },
      },
    });
    const step = enter(journey, undefined, [], login(), customer, T0);
    expect('instance' in step && step.instance).toMatchObject({
      outcome: 'exited',
      visits: { constructor: 1, valueof: 1 },
    });
  });

  it('a loop-free chain of 120 activities validates and runs to its end in one step', () => {
    const journey = valid(journeyChain('chain', 120));
    const step = enter(journey, undefined, [], login(), customer, T0);
    if (!('instance' in step)) throw new Error('refused');
    expect(step.instance.outcome).toBe('completed');
    expect(step.intents.filter((i) => i.type === 'send')).toHaveLength(60);
  });

  it('a 5,000-activity journey validates and runs without recursion', () => {
    const journey = valid(journeyChain('long', 5000, { keeps: 'ada' }));
    const step = enter(journey, undefined, [], login(), customer, T0);
    if (!('instance' in step)) throw new Error('refused');
    expect(step.instance).toMatchObject({ outcome: 'completed' });
    expect(Object.keys(step.instance.visits)).toHaveLength(5000);
  });

  it('a loop at the end of a 5,000-activity chain is found, without recursion', () => {
    const chain = journeyChain('long', 5000, { keeps: 'ada' });
    const last = chain.activities.last as { next?: string };
    last.next = chain.startActivity;
    const [problem, ...more] = validateJourney(chain).problems;
    expect(more).toEqual([]);
    expect(problem?.message).toMatch(/^loops without a wait: \S+ → (\S+ → ){10}… → \S+$/);
  });

  it('a loop through a wait that may end at once is a loop without a wait; through a wait of an hour it is not', () => {
    const loop = (wait: object) =>
      withActivities({
        hello: { type: 'action', action: { kind: 'email', template: 'hello' }, next: 'wait' },
        wait: { type: 'wait', ...wait, next: 'hello' },
      });
    expect(messagesAt(loop({ for: '0s' }), '$.activities.hello')).toEqual([
      'loops without a wait: hello → wait → hello (the wait at "wait" may end at once: a zero duration, or a date that has passed or is missing)',
    ]);
    expect(pathsOf(loop({ untilDate: { date: 'profile.traits.birthday' } }))).toEqual(['$.activities.hello']);
    expect(pathsOf(loop({ for: '1h' }))).toEqual([]);
    expect(pathsOf(loop({ until: { time: '09:00' } }))).toEqual([]);
  });

  it(`more than ${MAX_ACTIONS_WITHOUT_WAIT} actions in a row without a wait are refused where they start`, () => {
    expect(pathsOf(journeyChain('chain', 2 * MAX_ACTIONS_WITHOUT_WAIT))).toEqual([]);
    expect(messagesAt(journeyChain('chain', 2 * MAX_ACTIONS_WITHOUT_WAIT + 2), '$.activities.a0')).toEqual([
      `up to ${MAX_ACTIONS_WITHOUT_WAIT + 1} actions run from here without a wait between them; at most ${MAX_ACTIONS_WITHOUT_WAIT}`,
    ]);
  });

  it('a wait until a date that is no date goes straight on, as for a missing date', () => {
    const journey = valid(
      withActivities({
        hello: { type: 'action', action: { kind: 'email', template: 'hello' }, next: 'wait' },
        wait: { type: 'wait', untilDate: { date: 'profile.traits.birthday' }, next: 'nudge' },
        nudge: { type: 'action', action: { kind: 'push', template: 'nudge' } },
      }),
    );
    const step = enter(journey, undefined, [], login(), customer, T0);
    expect('instance' in step && step.instance.outcome).toBe('completed');
  });

  it('lists at most 100 problems, and how many more there are', () => {
    const activities = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => [`a${i}`, { type: 'action', action: { kind: 'email', template: 'x' } }]),
    );
    const { problems } = validateJourney(withActivities(activities, 'a0'));
    expect(problems).toHaveLength(100);
    expect(problems.at(-1)).toEqual({ path: '$', message: 'and 200 more problems' });
  });

  it('what validates runs: for hostile journeys, validation never throws, and a valid one enters, waits and ends without throwing', () => {
    fc.assert(
      fc.property(hostileJourney(), (input) => {
        const { journey } = validateJourney(input);
        if (!journey) return;
        const live = { ...journey, status: 'live' as const, version: 1 };
        const step = enter(live, undefined, [], login(), customer, T0);
        if (!('instance' in step)) throw new Error(`refused: ${step.refused}`);
        let instance = step.instance;
        for (let i = 0; i < 50 && instance.waiting; i++) {
          instance = onTimer(
            live,
            instance,
            instance.waiting.timerId,
            customer,
            Date.parse(instance.waiting.at),
          ).instance;
        }
      }),
      { seed: 20261202, numRuns: 300 },
    );
  });
});

describe('numbers in a journey are ones the store keeps', () => {
  const withCondition = (condition: unknown) => ({
    ...welcomeJourney,
    entry: { type: 'event', event: 'login', condition },
  });

  it.each([
    [
      { fact: 'profile.orders', op: 'gte', value: 1e300 },
      '$.entry.condition.value',
      /1e\+300 must be at most 9007199254740991/,
    ],
    [
      { fact: 'profile.orders', op: 'eq', value: 5e-324 },
      '$.entry.condition.value',
      /5e-324 must be 0 or at least 1e-130/,
    ],
    [{ fact: 'profile.orders', op: 'in', value: [1, 2 ** 53] }, '$.entry.condition.value[1]', /at most/],
    [{ fact: 'profile.orders', op: 'between', value: [1e-200, 2] }, '$.entry.condition.value[0]', /at least 1e-130/],
    [{ fact: 'profile.tags', op: 'contains', value: 1e20 }, '$.entry.condition.value', /at most/],
    [{ fact: 'profile.lastOrderAt', op: 'within_last', days: 5e-324 }, '$.entry.condition.days', /at least 1e-130/],
  ])('%j is refused at %s', (condition, path, message) => {
    expect(messagesAt(withCondition(condition), path)).toEqual([expect.stringMatching(message)]);
    // The schema and the condition validator agree.
    expect(Condition.safeParse(condition).success).toBe(false);
    expect(conditionErrors(condition)).not.toEqual([]);
  });

  it('ordinary numbers, 0 and 1e-130 are kept', () => {
    for (const value of [0, -0, 1e-130, 0.5, Number.MAX_SAFE_INTEGER]) {
      expect(pathsOf(withCondition({ fact: 'profile.orders', op: 'gte', value }))).toEqual([]);
    }
  });

  it('split and holdout percentages are storable', () => {
    const journey = withActivities({
      ...welcomeJourney.activities,
      hello: { type: 'holdout', percent: 5e-324, next: 'split' },
      split: {
        type: 'split',
        paths: [
          { name: 'a', percent: 1e-200, next: 'wait' },
          { name: 'b', percent: 100, next: 'wait' },
        ],
      },
    });
    expect(pathsOf(journey)).toEqual(['$.activities.hello.percent', '$.activities.split.paths[0].percent']);
  });
});

describe('a journey that fails at run time parks its own instance only', () => {
  // Written around validation, as a version stored by an older release may be.
  const broken: Journey = {
    ...valid({ ...welcomeJourney, id: 'broken' }),
    activities: {
      hello: { type: 'action', action: { kind: 'email', template: 'hello' }, next: 'wait' },
      wait: { type: 'wait', for: 'forever', next: 'nudge' },
      nudge: { type: 'action', action: { kind: 'push', template: 'nudge' } },
    },
  } as Journey;
  const healthy = valid({ ...welcomeJourney, id: 'healthy' });

  it("the failing journey's instance is parked with the reason and counted; the other journey runs", () => {
    const step = onCustomerEvent(createCatalog([broken, healthy]), emptyCustomerJourneys(), login(), customer, T0);
    const byJourney = new Map(step.state.instances.map((i) => [i.journeyId, i]));
    expect(byJourney.get('broken')).toMatchObject({
      outcome: 'failed',
      endedAt: new Date(T0).toISOString(),
      failure: { reason: expect.stringMatching(/invalid duration "forever"/), at: new Date(T0).toISOString() },
    });
    expect(byJourney.get('healthy')).toMatchObject({ activity: 'wait', waiting: expect.anything() });
    expect(step.failed).toEqual([
      { journeyId: 'broken', version: 1, reason: expect.stringMatching(/forever/), error: 'RangeError' },
    ]);
    // Nothing of the failed run is carried out (its e-mail went with it); the healthy one sends.
    expect(step.intents.filter((i) => i.type === 'send').map((i) => i.journeyId)).toEqual(['healthy']);
    expect(step.intents).toContainEqual(
      expect.objectContaining({ type: 'metric', metric: 'failed', journeyId: 'broken' }),
    );
  });

  it('the parked version takes the customer no more; a new version does, and the parked instance is dropped after 30 days', () => {
    const catalog = createCatalog([broken, healthy]);
    const first = onCustomerEvent(catalog, emptyCustomerJourneys(), login(), customer, T0);
    const again = onCustomerEvent(catalog, first.state, login(T0 + 1000), customer, T0 + 1000);
    expect(again.refused).toContainEqual({ journeyId: 'broken', reason: 'parked' });
    expect(again.failed).toEqual([]);
    const fixed = valid({ ...welcomeJourney, id: 'broken', version: 2 });
    const later = onCustomerEvent(
      createCatalog([broken, fixed, healthy]),
      again.state,
      login(T0 + 2000),
      customer,
      T0 + 2000,
    );
    expect(later.state.instances.filter((i) => i.journeyId === 'broken').map((i) => [i.version, i.outcome])).toEqual([
      [1, 'failed'],
      [2, undefined],
    ]);
    const month = onCustomerEvent(catalog, again.state, login(T0 + 31 * DAY), customer, T0 + 31 * DAY);
    expect(month.state.instances.find((i) => i.journeyId === 'broken')).toBeUndefined();
  });

  it('a timer of a failing instance parks it; the timers of the other journeys still move them', () => {
    const waitsThenBreaks = {
      ...broken,
      activities: { ...broken.activities, wait: { type: 'wait', for: '1h', next: 'gone' } },
    } as Journey;
    const catalog = createCatalog([waitsThenBreaks, healthy]);
    const entered = onCustomerEvent(catalog, emptyCustomerJourneys(), login(), customer, T0);
    const timerOf = (state: CustomerJourneys, journeyId: string) => {
      const instance = state.instances.find((i) => i.journeyId === journeyId)!;
      return { journeyId, instanceId: instance.instanceId, timerId: instance.waiting!.timerId };
    };
    const due = T0 + 3_600_000;
    const failed = onCustomerTimer(catalog, entered.state, timerOf(entered.state, 'broken'), customer, due);
    expect(failed.failed).toEqual([{ journeyId: 'broken', version: 1, reason: 'no activity "gone"', error: 'Error' }]);
    expect(failed.intents).toContainEqual(
      expect.objectContaining({ type: 'metric', metric: 'left', activity: 'wait' }),
    );
    const moved = onCustomerTimer(catalog, failed.state, timerOf(failed.state, 'healthy'), customer, due);
    expect(moved.intents.filter((i) => i.type === 'send').map((i) => [i.journeyId, i.activity])).toEqual([
      ['healthy', 'nudge'],
    ]);
  });
});

describe('the catalog as the journey function loads it', () => {
  const healthy = valid({ ...welcomeJourney, id: 'healthy' });
  const tenantId = 'shop';
  const versionItem = (journey: object & { id: string }, version = 1) => ({
    ...versionKey(tenantId, journey.id, version),
    journey: { ...journey, version, status: 'live' },
    publishedAt: new Date(T0).toISOString(),
  });
  const dangling = {
    ...healthy,
    id: 'dangling',
    activities: { ...healthy.activities, wait: { type: 'wait', for: '1h', next: 'constructor' } },
  };

  it('a version that no longer validates is refused with its reason; the others load', () => {
    const { journeys, refused } = loadCatalog([
      versionItem(healthy),
      versionItem(dangling),
      versionItem({ id: 'junk' }),
    ]);
    expect(journeys.map((j) => j.id)).toEqual(['healthy']);
    expect(refused).toEqual([
      {
        journeyId: 'dangling',
        version: 1,
        reason: expect.stringContaining('$.activities.wait.next: no activity "constructor"'),
      },
      { journeyId: 'junk', version: 1, reason: expect.stringMatching(/^\$\.\w+: /) },
    ]);
  });

  it("a customer's instance of a refused version is parked with the reason; one whose latest version is refused starts no one", () => {
    const { journeys, refused } = loadCatalog([
      versionItem(healthy),
      versionItem(dangling),
      versionItem(healthy, 2),
      versionItem({ ...dangling, id: 'healthy' }, 3),
    ]);
    const catalog = createCatalog(journeys, refused);
    expect(catalog.entering('login', customer.profile)).toEqual([]);
    const instance = {
      journeyId: 'dangling',
      version: 1,
      customerId: 'ada',
      instanceId: 'ada#1',
      entry: 1,
      enteredAt: new Date(T0).toISOString(),
      activity: 'wait',
      waiting: { timerId: 't', at: new Date(T0 + 1).toISOString() },
      visits: { hello: 1, wait: 1 },
    };
    const state = { enrollments: { dangling: { entries: 1 } }, instances: [instance] };
    const step = onCustomerEvent(catalog, state, login(T0 + 5), customer, T0 + 5);
    expect(step.state.instances).toEqual([
      expect.objectContaining({
        journeyId: 'dangling',
        outcome: 'failed',
        failure: { reason: expect.stringContaining('cannot run: $.activities'), at: expect.any(String) },
      }),
    ]);
    expect(step.failed).toHaveLength(1);
  });
});
