import { describe, expect, it } from 'vitest';
import {
  CONTROL_BUCKETS,
  ControlGroup,
  controlBucket,
  controlMembership,
  generationAt,
} from '../../../../functions/core/guardrails/control-group';

const SALT_A = 'a-fixed-test-salt-0001';
const SALT_B = 'a-fixed-test-salt-0002';
const ids = Array.from({ length: 100_000 }, (_, i) => `customer-${i}`);
const at = (text: string) => Date.parse(text);

describe('global control group', () => {
  it('holds 5 % ± 0.3 % of 100,000 customer ids by default, the same members on every run', () => {
    const group = ControlGroup.parse({ generations: [{ from: '2026-01-01', salt: SALT_A }] });
    expect(group.percent).toBe(5);
    const members = ids.filter((id) => controlMembership(group, id, at('2026-02-01T00:00:00Z')).member);
    expect(members.length / ids.length).toBeGreaterThanOrEqual(0.047);
    expect(members.length / ids.length).toBeLessThanOrEqual(0.053);
    // Stable across runs and deploys: the hash is pinned.
    expect(controlBucket(SALT_A, 'customer-0')).toBe(controlBucket(SALT_A, 'customer-0'));
    expect([controlBucket(SALT_A, 'customer-0'), controlBucket(SALT_A, 'customer-1')]).toEqual(PINNED_BUCKETS);
    expect(members.length).toBe(PINNED_MEMBERS);
  });

  it('spreads ids evenly over the 10,000 buckets', () => {
    const tenths = new Array<number>(10).fill(0);
    const buckets = ids.map((id) => controlBucket(SALT_A, id));
    expect(buckets.every((b) => Number.isInteger(b) && b >= 0 && b < CONTROL_BUCKETS)).toBe(true);
    for (const b of buckets) tenths[Math.floor(b / 1000)]! += 1;
    for (const n of tenths) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });

  it('depends on the secret salt: another salt gives another group', () => {
    const a = ids.slice(0, 20_000).filter((id) => controlBucket(SALT_A, id) < 500);
    const b = new Set(ids.slice(0, 20_000).filter((id) => controlBucket(SALT_B, id) < 500));
    const both = a.filter((id) => b.has(id)).length;
    expect(both / 20_000).toBeLessThan(0.006); // independent: about 5 % × 5 %
  });

  it('a new salt generation reshuffles only from its date; membership before it stays answerable', () => {
    const group = ControlGroup.parse({
      generations: [
        { from: '2026-07-01', salt: SALT_B },
        { from: '2026-01-01', salt: SALT_A },
      ],
    });
    const before = at('2026-06-30T23:59:59.999Z');
    const after = at('2026-07-01T00:00:00Z');
    const sample = ids.slice(0, 20_000);
    const underA = sample.filter((id) => controlBucket(SALT_A, id) < 500);
    const underB = sample.filter((id) => controlBucket(SALT_B, id) < 500);
    expect(sample.filter((id) => controlMembership(group, id, before).member)).toEqual(underA);
    expect(sample.filter((id) => controlMembership(group, id, at('2026-03-01T00:00:00Z')).member)).toEqual(underA);
    expect(sample.filter((id) => controlMembership(group, id, after).member)).toEqual(underB);
    expect(underA).not.toEqual(underB);
    expect(controlMembership(group, 'customer-1', after).rule).toBe('control_group:2026-07-01');
  });

  it('nobody is in the group before its first generation', () => {
    const group = ControlGroup.parse({ generations: [{ from: '2026-01-01T00:00:00+08:00', salt: SALT_A }] });
    expect(generationAt(group, at('2025-12-31T15:59:59Z'))).toBeUndefined();
    expect(generationAt(group, at('2025-12-31T16:00:00Z'))?.salt).toBe(SALT_A);
    expect(ids.slice(0, 2000).some((id) => controlMembership(group, id, at('2025-12-01T00:00:00Z')).member)).toBe(
      false,
    );
    expect(controlMembership(ControlGroup.parse({}), 'c', 0)).toEqual({
      member: false,
      rule: 'control_group_not_in_force',
    });
  });

  it('a generation may set its own share, so a change of share keeps history too', () => {
    const group = ControlGroup.parse({
      percent: 5,
      generations: [
        { from: '2026-01-01', salt: SALT_A },
        { from: '2026-04-01', salt: SALT_A, percent: 10 },
      ],
    });
    const sample = ids.slice(0, 20_000);
    const march = sample.filter((id) => controlMembership(group, id, at('2026-03-15T00:00:00Z')).member);
    const may = sample.filter((id) => controlMembership(group, id, at('2026-05-15T00:00:00Z')).member);
    expect(march.length / sample.length).toBeCloseTo(0.05, 1);
    expect(may.length / sample.length).toBeCloseTo(0.1, 1);
    expect(march.every((id) => may.includes(id))).toBe(true); // same salt: the group grew
  });

  it('refuses shares above 15 %, finer than a bucket, short salts and two generations starting together', () => {
    expect(ControlGroup.safeParse({ percent: 16 }).success).toBe(false);
    expect(ControlGroup.safeParse({ percent: -1 }).success).toBe(false);
    expect(ControlGroup.safeParse({ percent: 5.005 }).success).toBe(false);
    expect(ControlGroup.safeParse({ percent: 0 }).success).toBe(true);
    expect(ControlGroup.safeParse({ percent: 15 }).success).toBe(true);
    expect(ControlGroup.safeParse({ percent: 2.5 }).success).toBe(true);
    expect(ControlGroup.safeParse({ generations: [{ from: '2026-01-01', salt: 'short' }] }).success).toBe(false);
    expect(
      ControlGroup.safeParse({
        generations: [
          { from: '2026-01-01', salt: SALT_A },
          { from: '2026-01-01T00:00:00Z', salt: SALT_B },
        ],
      }).success,
    ).toBe(false);
  });

  it('a share of 0 % holds nobody and 15 % about 15 %', () => {
    const none = ControlGroup.parse({ percent: 0, generations: [{ from: '2026-01-01', salt: SALT_A }] });
    const most = ControlGroup.parse({ percent: 15, generations: [{ from: '2026-01-01', salt: SALT_A }] });
    const sample = ids.slice(0, 20_000);
    const t = at('2026-02-01T00:00:00Z');
    expect(sample.some((id) => controlMembership(none, id, t).member)).toBe(false);
    expect(sample.filter((id) => controlMembership(most, id, t).member).length / sample.length).toBeCloseTo(0.15, 1);
  });
});

// Filled in from a first run; a change here means every tenant's control group changed.
const PINNED_BUCKETS = [960, 4683];
const PINNED_MEMBERS = 5032;
