import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CampaignInput } from '../../../../functions/core/campaigns/schema';
import { validateCampaign } from '../../../../functions/core/campaigns/validate';

const EXAMPLES = join(import.meta.dirname, '../../../../examples/campaigns');
const recall = (): CampaignInput =>
  JSON.parse(readFileSync(join(EXAMPLES, 'recall-at-risk.json'), 'utf8')) as CampaignInput;
const problems = (input: unknown, channels?: string[]) =>
  validateCampaign(input, channels ? { channels } : {}).problems.map((p) => `${p.path}: ${p.message}`);

describe('campaign definitions', () => {
  it.each(readdirSync(EXAMPLES))('accepts the example %s', (file) => {
    expect(problems(JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')), ['email', 'push'])).toEqual([]);
  });

  it('fills the defaults the plans ask for: 10 % holdout, 14-day window, order_placed, 7-day early warning', () => {
    const { campaign } = validateCampaign({
      id: 'early',
      name: 'Early warning',
      audience: { dueToBecome: {} },
      offers: [{ name: 'push', actions: [{ kind: 'push', template: 'recall-push' }] }],
    });
    expect(campaign).toMatchObject({
      holdout: { percent: 10 },
      attributionWindow: '14d',
      successEvent: 'order_placed',
      audience: { dueToBecome: { stage: 'at_risk', within: '7d' } },
    });
  });

  it('the plans’ recall campaign gives the gift pack by value tier and push alone to low value', () => {
    const { campaign } = validateCampaign(recall());
    expect(campaign?.offers.map((r) => [r.name, r.when?.valueTiers, r.actions.map((a) => a.kind)])).toEqual([
      ['high-value-gift-pack', ['high'], ['coupon', 'push']],
      ['mid-value-gift', ['mid'], ['coupon']],
      ['low-value-push', undefined, ['push']],
    ]);
    expect(campaign?.audience.dueToBecome).toEqual({ stage: 'at_risk', within: '7d' });
  });

  it('names the path of every schema problem', () => {
    expect(
      problems({
        ...recall(),
        id: 'Bad Id',
        holdout: { percent: 80 },
        attributionWindow: 'two weeks',
        schedule: { cron: '0 10 * * MON', timezone: 'Mars/Olympus' },
        audience: { stages: ['lapsed'] },
      }),
    ).toEqual([
      '$.attributionWindow: must be a duration such as 30m, 1h, 2d, 1w or 1h30m',
      expect.stringMatching(/^\$\.audience\.stages\[0\]: /),
      expect.stringMatching(/^\$\.holdout\.percent: /),
      expect.stringMatching(/^\$\.id: must be 1-64 lower-case/),
      '$.schedule.cron: must be an EventBridge Scheduler cron expression such as cron(0 10 ? * MON *)',
      expect.stringMatching(/^\$\.schedule\.timezone: /),
    ]);
    expect(problems({ ...recall(), schedule: { cron: 'cron(0 10 * * MON *)' } })).toEqual([
      '$.schedule.cron: exactly one of day-of-month and day-of-week must be "?"',
    ]);
  });

  it('refuses what sends to everyone, to no one, or never reaches a rung', () => {
    const base = recall();
    expect(problems({ ...base, audience: {} })).toEqual([
      '$.audience: names no criterion: a campaign is never sent to every customer',
    ]);
    expect(
      problems({
        ...base,
        audience: {
          churnRiskAtLeast: 0.8,
          churnRiskBelow: 0.5,
          daysSinceLastOrder: { atLeast: 90, atMost: 30 },
          tags: { all: ['vip'], none: ['vip'] },
        },
      }),
    ).toEqual([
      '$.audience.churnRiskBelow: must be more than churnRiskAtLeast, or no customer matches',
      '$.audience.daysSinceLastOrder.atMost: must be at least atLeast, or no customer matches',
      '$.audience.tags.none: "vip" is both required and excluded, so no customer matches',
    ]);
    const [high, mid, low] = base.offers;
    expect(problems({ ...base, offers: [low, high, { ...mid!, name: 'high-value-gift-pack' }] })).toEqual([
      '$.offers[0]: has no "when", so it takes every member and the rungs after it are never reached',
      '$.offers[2].name: "high-value-gift-pack" is used twice',
    ]);
  });

  it('with the tenant’s channels, refuses offers on others; money budgets share a currency', () => {
    expect(problems(recall(), ['push'])).toEqual([
      '$.offers[0].actions[0]: sends on email, which the tenant does not use (channels: push)',
      '$.offers[1].actions[0]: sends on email, which the tenant does not use (channels: push)',
    ]);
    const budget = {
      perRun: { money: { amount: 10_000, currency: 'EUR' } },
      total: { money: { amount: 100_000, currency: 'CNY' } },
    };
    expect(problems({ ...recall(), budget })).toEqual(['$.budget: its money budgets are in different currencies']);
  });

  it('never throws on hostile input', () => {
    for (const input of [null, 42, 'x', [], { __proto__: { id: 'x' } }, { id: 'x', offers: 'y', audience: [] }])
      expect(validateCampaign(input).problems.length).toBeGreaterThan(0);
  });
});
