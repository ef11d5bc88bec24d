import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateJourney } from '../../../../functions/core/journeys/validate';

const EXAMPLES = join(import.meta.dirname, '../../../../examples/journeys');

/** A valid journey to break one thing at a time. */
const base = () => ({
  id: 'cart',
  name: 'Cart',
  status: 'live',
  entry: { type: 'event', event: 'checkout_started', correlationKey: 'checkoutId' },
  startActivity: 'wait',
  activities: {
    wait: { type: 'wait', for: '1h', next: 'check' },
    check: {
      type: 'branch',
      branches: [{ condition: { fact: 'profile.orders', op: 'gte', value: 1 }, next: 'push' }],
      default: 'email',
    },
    push: { type: 'action', action: { kind: 'push', template: 'p' } },
    email: { type: 'action', action: { kind: 'email', template: 'e' }, next: 'split' },
    split: {
      type: 'split',
      paths: [
        { name: 'a', percent: 50, next: 'done' },
        { name: 'b', percent: 50 },
      ],
    },
    done: { type: 'exit' },
  },
  goals: [{ event: 'order_placed' }],
});
type Base = ReturnType<typeof base> & Record<string, unknown>;

/** Each case: how to break the journey, and a problem that must be reported (path, and words of the message). */
const broken: [string, (j: Base) => void, string, RegExp][] = [
  ['no name', (j) => Reflect.deleteProperty(j, 'name'), '$.name', /expected string/],
  ['an id with capitals', (j) => (j.id = 'Cart!'), '$.id', /lower-case/],
  ['an unknown status', (j) => (j.status = 'running'), '$.status', /draft|live/],
  ['an unknown entry type', (j) => ((j.entry as Record<string, unknown>).type = 'webhook'), '$.entry.type', /.+/],
  [
    'an entry event that does not exist',
    (j) => (j.entry.event = 'order_place'),
    '$.entry.event',
    /unknown event type "order_place"; did you mean order_placed/,
  ],
  [
    'a start activity that does not exist',
    (j) => (j.startActivity = 'begin'),
    '$.startActivity',
    /no activity "begin"/,
  ],
  [
    'a next that does not exist',
    (j) => (j.activities.wait.next = 'chek'),
    '$.activities.wait.next',
    /no activity "chek"/,
  ],
  ['a wait with a bad duration', (j) => (j.activities.wait.for = '1 hour'), '$.activities.wait.for', /duration/],
  [
    'a wait with nothing to wait for',
    (j) => Reflect.deleteProperty(j.activities.wait, 'for'),
    '$.activities.wait',
    /one of for, until or untilDate/,
  ],
  [
    'a wait with two things to wait for',
    (j) => Object.assign(j.activities.wait, { until: { time: '09:00' } }),
    '$.activities.wait',
    /not several/,
  ],
  [
    'a local time that is not one',
    (j) => Object.assign(j.activities.wait, { for: undefined, until: { time: '9am' } }),
    '$.activities.wait.until.time',
    /local time such as 09:00/,
  ],
  [
    'a weekday that is not one',
    (j) => Object.assign(j.activities.wait, { for: undefined, until: { time: '09:00', weekdays: ['monday'] } }),
    '$.activities.wait.until.weekdays[0]',
    /.+/,
  ],
  [
    'a branch without a default',
    (j) => Reflect.deleteProperty(j.activities.check, 'default'),
    '$.activities.check.default',
    /needs a default/,
  ],
  [
    'a branch condition with an unknown operator',
    (j) => ((j.activities.check.branches[0]!.condition as Record<string, unknown>).op = 'greater'),
    '$.activities.check.branches[0].condition.op',
    /greater/,
  ],
  [
    'a branch condition on a fact outside event and profile',
    (j) => (j.activities.check.branches[0]!.condition.fact = 'orders'),
    '$.activities.check.branches[0].condition.fact',
    /event\.|profile\./,
  ],
  [
    'a nested condition error',
    (j) =>
      ((j.activities.check.branches[0] as Record<string, unknown>).condition = {
        all: [{ fact: 'profile.orders', op: 'gte', value: 1 }, { any: [{ fact: 'profile.tags', op: 'contains' }] }],
      }),
    '$.activities.check.branches[0].condition.all[1].any[0].value',
    /contains needs "value"/,
  ],
  [
    'split percentages that do not add up',
    (j) => (j.activities.split.paths[1]!.percent = 40),
    '$.activities.split.paths',
    /add up to 90, not 100/,
  ],
  ['a split with one path', (j) => j.activities.split.paths.pop(), '$.activities.split.paths', /.+/],
  [
    'an action of an unknown kind',
    (j) => ((j.activities.push.action as Record<string, unknown>).kind = 'fax'),
    '$.activities.push.action.kind',
    /.+/,
  ],
  [
    'an action without its template',
    (j) => Reflect.deleteProperty(j.activities.push.action, 'template'),
    '$.activities.push.action.template',
    /.+/,
  ],
  [
    'a webhook that is not https',
    (j) =>
      ((j.activities.push as Record<string, unknown>).action = { kind: 'webhook', url: 'http://example.com/hook' }),
    '$.activities.push.action.url',
    /.+/,
  ],
  [
    'points that are not a whole number',
    (j) => ((j.activities.push as Record<string, unknown>).action = { kind: 'points', points: 2.5 }),
    '$.activities.push.action.points',
    /.+/,
  ],
  [
    'an unreachable activity',
    (j) => Object.assign(j.activities, { orphan: { type: 'exit' } }),
    '$.activities.orphan',
    /unreachable/,
  ],
  [
    'a loop without a wait',
    (j) => (j.activities.push = { type: 'action', action: { kind: 'push', template: 'p' }, next: 'check' } as never),
    '$.activities.check',
    /loops without a wait: check → push → check/,
  ],
  ['an unknown property', (j) => Object.assign(j.activities.wait, { delay: '1h' }), '$.activities.wait', /delay/],
  [
    'a goal on an unknown event',
    (j) => (j.goals[0]!.event = 'purchase'),
    '$.goals[0].event',
    /unknown event type "purchase"/,
  ],
  [
    'a goal with a bad attribution window',
    (j) => Object.assign(j.goals[0]!, { attributionWindow: 'a week' }),
    '$.goals[0].attributionWindow',
    /duration/,
  ],
  [
    'a schedule that ends before it starts',
    (j) => Object.assign(j, { schedule: { startTime: '2026-12-01T00:00:00Z', endTime: '2026-11-01T00:00:00Z' } }),
    '$.schedule.endTime',
    /after startTime/,
  ],
  [
    'correlate without a correlation key',
    (j) => {
      Reflect.deleteProperty(j.entry, 'correlationKey');
      Object.assign(j.activities, {
        wait: {
          type: 'wait_for_event',
          event: 'order_placed',
          correlate: true,
          timeout: '1d',
          next: 'check',
          timeoutNext: 'check',
        },
      });
    },
    '$.activities.wait.correlate',
    /correlationKey/,
  ],
  [
    'a re-entry cap of zero',
    (j) => Object.assign(j, { limits: { endpointReentryCap: 0 } }),
    '$.limits.endpointReentryCap',
    /.+/,
  ],
  [
    'a quiet time that starts and ends at once',
    (j) => Object.assign(j, { quietTime: { start: '21:00', end: '21:00' } }),
    '$.quietTime.end',
    /must differ/,
  ],
  [
    'per-correlation instances without a correlation key',
    (j) => {
      Reflect.deleteProperty(j.entry, 'correlationKey');
      Object.assign(j, { limits: { liveInstances: 'per_correlation' } });
    },
    '$.limits.liveInstances',
    /correlationKey/,
  ],
];

describe('validateJourney', () => {
  it('accepts the base journey', () => {
    expect(validateJourney(base()).problems).toEqual([]);
  });

  it(`names the JSON path of the error in each of ${broken.length} deliberately broken journeys`, () => {
    expect(broken.length).toBeGreaterThanOrEqual(30);
    const missed: string[] = [];
    for (const [what, breakIt, path, message] of broken) {
      const journey = base() as Base;
      breakIt(journey);
      const { problems } = validateJourney(journey);
      if (!problems.some((p) => p.path === path && message.test(p.message))) {
        missed.push(`${what}: expected ${path} matching ${message}, got ${JSON.stringify(problems)}`);
      }
    }
    expect(missed).toEqual([]);
  });

  it('refuses actions on channels the tenant has not configured', () => {
    const { problems } = validateJourney(base(), { channels: ['email'] });
    expect(problems).toEqual([
      {
        path: '$.activities.push.action.kind',
        message: 'channel "push" is not configured for this tenant (configured: email)',
      },
    ]);
  });

  it.each(readdirSync(EXAMPLES))('accepts the example %s', (file) => {
    const { problems } = validateJourney(JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')));
    expect(problems).toEqual([]);
  });
});
