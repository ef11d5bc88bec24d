import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseRfmScheme,
  RfmScheme,
  rfmBreakpoints,
  rfmScoreOf,
  rfmScores,
  rfmSegment,
  STANDARD_RFM_SEGMENTS,
} from '../../../../functions/core/scoring/rfm';

describe('rfmScores', () => {
  // Ten customers with distinct values: two per quintile.
  const population = Array.from({ length: 10 }, (_, i) => ({
    id: `c${i}`,
    recencyDays: (i + 1) * 10,
    frequency: i + 1,
    monetary: (10 - i) * 100,
  }));

  it('scores a known population in quintiles, recency reversed', () => {
    const scores = rfmScores(population);
    expect([...scores.values()].map((s) => s.r)).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
    expect([...scores.values()].map((s) => s.f)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect([...scores.values()].map((s) => s.m)).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
  });

  it('gives equal values equal scores, whatever the input order', () => {
    const tied = [
      { id: 'a', recencyDays: 5, frequency: 1, monetary: 10 },
      { id: 'b', recencyDays: 5, frequency: 1, monetary: 10 },
      { id: 'c', recencyDays: 5, frequency: 1, monetary: 10 },
      { id: 'd', recencyDays: 50, frequency: 3, monetary: 99 },
      { id: 'e', recencyDays: 70, frequency: 8, monetary: 500 },
    ];
    const scores = rfmScores(tied);
    // Ties take the score of their lowest rank: 2 of 5 are less recent than a, b and c.
    expect(scores.get('a')).toEqual({ r: 3, f: 1, m: 1 });
    expect(scores.get('b')).toEqual(scores.get('a'));
    expect(scores.get('c')).toEqual(scores.get('a'));
    expect(scores.get('d')).toEqual({ r: 2, f: 4, m: 4 });
    expect(scores.get('e')).toEqual({ r: 1, f: 5, m: 5 });
    expect(rfmScores([...tied].reverse())).toEqual(scores);
  });

  it('scores everyone alike when all values are equal', () => {
    const same = ['a', 'b', 'c'].map((id) => ({ id, recencyDays: 3, frequency: 2, monetary: 40 }));
    expect([...rfmScores(same).values()]).toEqual(Array(3).fill({ r: 1, f: 1, m: 1 }));
  });

  it('rejects duplicate ids and values that are not finite', () => {
    expect(() => rfmScores([population[0]!, population[0]!])).toThrow('duplicate id c0');
    expect(() => rfmScores([{ id: 'x', recencyDays: Number.NaN, frequency: 1, monetary: 1 }])).toThrow('x.recencyDays');
  });

  it('returns an empty map for an empty population', () => {
    expect(rfmScores([]).size).toBe(0);
  });
});

describe('rfmBreakpoints', () => {
  it('scores every member of any population exactly as rfmScores does', () => {
    const value = fc.integer({ min: 0, max: 12 });
    const member = fc.record({ recencyDays: value, frequency: value, monetary: value });
    fc.assert(
      fc.property(fc.array(member, { minLength: 1, maxLength: 60 }), (rows) => {
        const population = rows.map((r, i) => ({ id: `c${i}`, ...r }));
        const breakpoints = rfmBreakpoints(population);
        const scores = rfmScores(population);
        for (const c of population) expect(rfmScoreOf(breakpoints, c)).toEqual(scores.get(c.id));
      }),
    );
  });

  it('scores a newcomer against the population without it', () => {
    const breakpoints = rfmBreakpoints(
      Array.from({ length: 10 }, (_, i) => ({ id: `c${i}`, recencyDays: (i + 1) * 10, frequency: i + 1, monetary: 1 })),
    );
    expect(rfmScoreOf(breakpoints, { recencyDays: 0, frequency: 100, monetary: 1 })).toEqual({ r: 5, f: 5, m: 1 });
    expect(rfmScoreOf(breakpoints, { recencyDays: 1000, frequency: 0, monetary: 1 })).toEqual({ r: 1, f: 1, m: 1 });
    expect(() => rfmBreakpoints([])).toThrow('empty population');
  });
});

describe('rfmSegment', () => {
  it.each([
    [{ r: 5, f: 5, m: 5 }, 'Champions'],
    [{ r: 5, f: 4, m: 3 }, 'Champions'],
    [{ r: 4, f: 5, m: 4 }, 'Loyal'],
    [{ r: 3, f: 4, m: 4 }, 'Loyal'],
    [{ r: 5, f: 2, m: 3 }, 'Potential Loyalists'],
    [{ r: 5, f: 1, m: 1 }, 'New'],
    [{ r: 4, f: 1, m: 1 }, 'Promising'],
    [{ r: 3, f: 3, m: 3 }, 'Need Attention'],
    [{ r: 3, f: 1, m: 2 }, 'About to Sleep'],
    [{ r: 2, f: 4, m: 3 }, 'At Risk'],
    [{ r: 1, f: 5, m: 5 }, "Can't Lose Them"],
    [{ r: 1, f: 1, m: 2 }, 'Hibernating'],
  ])('maps %o to %s', (score, segment) => {
    expect(rfmSegment(score)).toBe(segment);
  });

  it('covers every (R, FM) cell of the standard grid with exactly one rule', () => {
    for (let r = 1; r <= 5; r++) {
      for (let fm = 1; fm <= 5; fm++) {
        const matching = STANDARD_RFM_SEGMENTS.rules.filter(
          (rule) => rule.r && rule.fm && r >= rule.r[0] && r <= rule.r[1] && fm >= rule.fm[0] && fm <= rule.fm[1],
        );
        expect(matching).toHaveLength(1);
      }
    }
  });

  it('applies a custom scheme: first match wins, else the default', () => {
    const scheme = parseRfmScheme(
      JSON.parse(
        '{"rules":[{"segment":"VIP","m":[5,5]},{"segment":"Recent","r":[4,5]},{"segment":"Recent big","r":[4,5],"m":[4,5]}],"default":"Other"}',
      ),
    );
    expect(rfmSegment({ r: 5, f: 1, m: 5 }, scheme)).toBe('VIP');
    expect(rfmSegment({ r: 5, f: 1, m: 4 }, scheme)).toBe('Recent');
    expect(rfmSegment({ r: 2, f: 1, m: 4 }, scheme)).toBe('Other');
  });

  it('rejects an invalid custom scheme with the paths of the problems', () => {
    const bad = {
      rules: [
        { segment: 'ok', r: [1, 5] },
        { segment: '', f: [4, 2] },
        { segment: 'x', m: [0, 6], extra: true },
      ],
    };
    const result = RfmScheme.safeParse(bad);
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['default', 'rules.1.f', 'rules.1.segment', 'rules.2', 'rules.2.m.0', 'rules.2.m.1']);
    expect(() => parseRfmScheme(bad)).toThrow(/rules\.1\.f: range must be \[low, high\]/);
    expect(() => parseRfmScheme({ rules: [], default: 'x' })).toThrow('rules: must list at least one rule');
  });
});
