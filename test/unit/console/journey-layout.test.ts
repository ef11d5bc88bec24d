import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Activity, layoutJourney } from '../../../console/src/components/journey-layout';

const example = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../../examples/journeys', `${name}.json`), 'utf8')) as {
    startActivity: string;
    activities: Record<string, Activity>;
  };

describe('laying out a journey', () => {
  it('puts the abandoned-checkout journey in one row, in the order its activities run', () => {
    const journey = example('abandoned-checkout');
    const { columns, edges } = layoutJourney(journey.startActivity, journey.activities);
    expect(columns).toEqual([['wait-1h'], ['push-reminder'], ['wait-23h'], ['email-coupon']]);
    expect(edges.map((e) => `${e.from}>${e.to}`)).toEqual([
      'wait-1h>push-reminder',
      'push-reminder>wait-23h',
      'wait-23h>email-coupon',
    ]);
  });

  it('labels split paths, branches, holdouts and timeouts, and draws every activity once', () => {
    const activities: Record<string, Activity> = {
      start: { type: 'holdout', percent: 10, next: 'split' },
      split: {
        type: 'split',
        paths: [
          { name: 'a', percent: 50, next: 'wait' },
          { name: 'b', percent: 50, next: 'check' },
        ],
      },
      wait: {
        type: 'wait_for_event',
        event: 'order_placed',
        correlate: false,
        timeout: '3d',
        next: 'end',
        timeoutNext: 'check',
      },
      check: {
        type: 'branch',
        branches: [{ condition: { fact: 'profile.orders', op: 'gt', value: 0 }, next: 'end' }],
        default: 'end',
      },
      end: { type: 'exit' },
      orphan: { type: 'exit' },
    };
    const { columns, edges } = layoutJourney('start', activities);
    expect(columns.flat().sort()).toEqual(Object.keys(activities).sort());
    expect(columns[0]).toEqual(['start']);
    expect(columns.at(-1)).toEqual(['orphan']);
    expect(edges.map((e) => e.label)).toEqual(['90%', 'a 50%', 'b 50%', 'order_placed', '3d', '#1', 'else']);
  });

  it('survives a next that names no activity and a cycle', () => {
    const activities: Record<string, Activity> = {
      a: { type: 'wait', for: '1h', next: 'b' },
      b: { type: 'wait', for: '1h', next: 'a' },
      c: { type: 'wait', for: '1h', next: 'missing' },
    };
    const { columns } = layoutJourney('a', activities);
    expect(columns).toEqual([['a'], ['b'], ['c']]);
  });
});
