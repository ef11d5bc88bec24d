import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../functions/adapters/clock';
import { createMemoryStore } from '../../../../functions/adapters/memory/store';
import { type CampaignScheduler, campaignRoutes } from '../../../../functions/app/campaigns/routes';
import type { Campaign } from '../../../../functions/core/campaigns/schema';
import { tenantDirectory } from '../../../../functions/core/config/tenants';

const recall = readFileSync(join(import.meta.dirname, '../../../../examples/campaigns/recall-at-risk.json'), 'utf8');
const tenant = { id: 'shop', timezone: 'Asia/Shanghai', currency: 'CNY' };

function routes(schedules: CampaignScheduler) {
  const store = createMemoryStore();
  return {
    store,
    routes: campaignRoutes({
      store,
      clock: new ManualClock(Date.parse('2026-06-01T00:00:00Z')),
      tenants: tenantDirectory([tenant]),
      schedules,
    }),
  };
}

describe('saving a campaign', () => {
  it('sets its schedule for the tenant first, then saves the definition', async () => {
    const calls: { tenantId: string; campaign: Campaign }[] = [];
    const { routes: r } = routes({ put: async (t, campaign) => void calls.push({ tenantId: t.id, campaign }) });
    const saved = await r.save({ tenant, campaignId: 'recall-at-risk', body: recall });
    expect(saved.status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      tenantId: 'shop',
      campaign: { id: 'recall-at-risk', schedule: { cron: 'cron(0 10 ? * MON *)' } },
    });
  });

  it('saves nothing when its schedule cannot be set, so the save can be made again', async () => {
    const { routes: r, store } = routes({
      put: async () => {
        throw new Error('ThrottlingException');
      },
    });
    await expect(r.save({ tenant, campaignId: 'recall-at-risk', body: recall })).rejects.toThrow('ThrottlingException');
    expect((await r.list({ tenant })).body).toEqual({ campaigns: [] });
    expect(await store.query('shop#CAMPAIGNS', { consistent: true })).toEqual([]);
  });

  it('refuses a schedule that can never fire before setting anything', async () => {
    const calls: unknown[] = [];
    const { routes: r } = routes({ put: async (...args) => void calls.push(args) });
    const bad = { ...JSON.parse(recall), schedule: { cron: 'cron(0 25 ? * MON *)' } };
    const answer = await r.save({ tenant, campaignId: 'recall-at-risk', body: JSON.stringify(bad) });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('hours: \\"25\\" is not from 0 to 23');
    expect(calls).toEqual([]);
  });
});
