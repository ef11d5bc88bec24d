import { describe, expect, it } from 'vitest';
import { FNV_OFFSET_BASIS, fnv1a32, fnv1aStep } from '../../../functions/core/hash';
import { bucket } from '../../../functions/core/journeys/runtime';
import type { StoredProfile } from '../../../functions/core/profiles/items';
import { dueAttributes } from '../../../functions/core/profiles/profile-changes';
import { eventHash } from '../../../functions/core/profiles/seen';

/** FNV-1a 32 by the book, in BigInt arithmetic, over the given units (bytes or code units). */
const reference = (units: number[]): number =>
  Number(units.reduce((h, unit) => ((h ^ BigInt(unit)) * 16_777_619n) % 2n ** 32n, 2_166_136_261n));

describe('fnv1a32', () => {
  it('gives the published FNV-1a 32 values for ASCII text', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('')).toBe(FNV_OFFSET_BASIS);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('is unsigned 32-bit, and fnv1aStep is one step of it', () => {
    for (const text of ['', 'a', 'foobar', 'customer-12345', '顾客😀']) {
      const value = fnv1a32(text);
      expect(Number.isInteger(value) && value >= 0 && value < 2 ** 32).toBe(true);
    }
    expect(fnv1aStep(FNV_OFFSET_BASIS, 'a'.charCodeAt(0)) >>> 0).toBe(0xe40c292c);
    expect(fnv1a32('oobar', fnv1aStep(FNV_OFFSET_BASIS, 'f'.charCodeAt(0)))).toBe(0xbf9cf968);
  });

  it('hashes UTF-16 code units, not UTF-8 bytes: one step per code unit, two for a surrogate pair', () => {
    expect(fnv1a32('é')).toBe(reference([0xe9]));
    expect(fnv1a32('é')).not.toBe(reference([0xc3, 0xa9]));
    expect(fnv1a32('é')).toBe(0x6c0b6c44);
    expect(fnv1a32('顾客')).toBe(reference([0x987e, 0x5ba2]));
    expect(fnv1a32('😀')).toBe(reference([0xd83d, 0xde00]));
    expect(fnv1a32('😀')).toBe(0xcb31c4b8);
  });
});

/** Values that are stored, as the hand-written hashes before fnv1a32 computed them. */
describe('the stored values built on it', () => {
  const shardOf = (customerId: string) =>
    dueAttributes({
      profile: { tenantId: 't', customerId },
      lifecycle: { nextDueAt: '2026-01-01T00:00:00Z' },
    } as StoredProfile)?.dueShard;

  it('keeps split and holdout buckets', () => {
    expect(bucket('split-1', 'cust-42')).toBe(94.72332163713872);
    expect(bucket('holdout', '顾客😀')).toBe(91.29259821493179);
  });

  it('keeps event hashes', () => {
    expect(eventHash('')).toBe('gRydxQUM');
    expect(eventHash('order-1001')).toBe('kW89jHjL');
    expect(eventHash('顾客😀')).toBe('Po9mZCKw');
  });

  it('keeps due-index shards', () => {
    expect(shardOf('')).toBe('t#DUE#5');
    expect(shardOf('cust-42')).toBe('t#DUE#11');
    expect(shardOf('顾客😀')).toBe('t#DUE#4');
  });
});
