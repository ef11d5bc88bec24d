/**
 * The state the dispatcher's guardrails share between instances, one item each, written with
 * single-item conditional writes:
 * - `<tenant>#C#<customerId>` / `CAPS`: the customer's recent marketing sends (the cap log), versioned;
 * - `<tenant>#BUDGET` / `<counter id>`: a budget period's `count` and `money`, bounded atomic adds;
 * - `<tenant>#RATE` / `<channel>`: a provider token bucket, versioned;
 * - `<tenant>#CONTROL` / `SALT`: the tenant's first control-group salt, drawn once.
 */
import { z } from 'zod';
import type { Key } from '../../ports';
import { CHANNELS } from '../events/schemas';
import { ItemKey, Version } from '../stored-item';

export const capsLogKey = (tenantId: string, customerId: string): Key => ({
  pk: `${tenantId}#C#${customerId}`,
  sk: 'CAPS',
});
export const CapsLogItem = z.looseObject({
  ...ItemKey,
  version: Version,
  log: z.array(z.object({ key: z.string().min(1), channel: z.enum(CHANNELS), at: z.number() })),
});

export const budgetCounterKey = (tenantId: string, counterId: string): Key => ({
  pk: `${tenantId}#BUDGET`,
  sk: counterId,
});
export const BudgetCounterItem = z.looseObject({
  ...ItemKey,
  count: z.number().optional(),
  money: z.number().optional(),
});

export const rateBucketKey = (tenantId: string, channel: string): Key => ({ pk: `${tenantId}#RATE`, sk: channel });
export const RateBucketItem = z.looseObject({ ...ItemKey, version: Version, tokens: z.number(), at: z.number() });

export const controlSaltKey = (tenantId: string): Key => ({ pk: `${tenantId}#CONTROL`, sk: 'SALT' });
export const ControlSaltItem = z.looseObject({ ...ItemKey, salt: z.string().min(16), from: z.iso.datetime() });
