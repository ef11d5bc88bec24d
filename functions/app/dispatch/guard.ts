// The guardrails of a send with the state they read and reserve: the customer's cap log, the
// budget counters of the journey, the tenant's control-group salt and the providers' token
// buckets. The decisions are core's (functions/core/guardrails/evaluate.ts); here they meet the
// store: every reservation is a single-item conditional write, and a refused one gives back what
// the send had taken so far.
import { randomBytes } from 'node:crypto';
import {
  BudgetCounterItem,
  budgetCounterKey,
  CapsLogItem,
  ControlSaltItem,
  capsLogKey,
  controlSaltKey,
  RateBucketItem,
  rateBucketKey,
} from '../../core/dispatch/guard-items';
import type { SendDecision } from '../../core/dispatch/send-record';
import { DispatchSettings } from '../../core/dispatch/settings';
import { type BudgetAdd, type BudgetSpent, budgetCounters, undoAdds } from '../../core/guardrails/budgets';
import { capDecision, pruneLog, releaseCap, reserveCap, type SendLog } from '../../core/guardrails/caps';
import type { SaltGeneration } from '../../core/guardrails/control-group';
import { customerTimeZone, evaluateGuardrails, type GuardrailDecision } from '../../core/guardrails/evaluate';
import { take } from '../../core/guardrails/rate';
import { budgetOf, type GuardrailSettings, guardrailSettings } from '../../core/guardrails/settings';
import { decodeItem } from '../../core/stored-item';
import { type Clock, ConditionFailedError, type Item, type Store } from '../../ports';
import { writeVersioned } from '../common/versioned-write';
import type { GuardInput, GuardVerdict, Reserve } from './run';

/** Where a tenant's first control-group generation starts: before any action it may hold out. */
const FIRST_GENERATION_FROM = '2000-01-01T00:00:00.000Z';

const iso = (ms: number) => new Date(ms).toISOString();

const toSendDecisions = (decisions: readonly GuardrailDecision[]): SendDecision[] =>
  decisions.map((d) => ({
    guardrail: d.guardrail,
    verdict: d.verdict,
    rule: d.rule,
    ...(d.until === undefined ? {} : { until: iso(d.until) }),
  }));

const logOf = (item: Item | undefined): SendLog => (item ? decodeItem(CapsLogItem, item).log : []);

export function createGuard(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;
  const salts = new Map<string, SaltGeneration>();

  /**
   * The tenant's first salt generation, drawn once and kept in the table, so that a 5 % control
   * group holds from the first action without anyone configuring a secret. Generations the tenant
   * configures come after it.
   */
  async function firstGeneration(tenantId: string): Promise<SaltGeneration> {
    const known = salts.get(tenantId);
    if (known) return known;
    const key = controlSaltKey(tenantId);
    let item = await store.get(key, { consistent: true });
    if (!item) {
      try {
        await store.put(
          { ...key, salt: randomBytes(24).toString('base64'), from: FIRST_GENERATION_FROM },
          { ifAbsent: true },
        );
      } catch (e) {
        if (!(e instanceof ConditionFailedError)) throw e;
      }
      item = await store.get(key, { consistent: true });
    }
    const { salt, from } = decodeItem(ControlSaltItem, item as Item);
    const generation = { salt, from };
    salts.set(tenantId, generation);
    return generation;
  }

  async function settingsOf(input: GuardInput): Promise<GuardrailSettings> {
    const settings = guardrailSettings(DispatchSettings.parse(input.tenant.dispatch ?? {}).guardrails);
    const first = await firstGeneration(input.tenant.id);
    const configured = settings.controlGroup.generations;
    if (configured.some((g) => Date.parse(g.from) <= Date.parse(first.from))) return settings;
    return { ...settings, controlGroup: { ...settings.controlGroup, generations: [first, ...configured] } };
  }

  async function spentOf(tenantId: string, ids: readonly string[]): Promise<BudgetSpent> {
    if (ids.length === 0) return {};
    const items = await store.getMany(
      ids.map((id) => budgetCounterKey(tenantId, id)),
      { consistent: true },
    );
    return Object.fromEntries(
      items.map((item) => {
        const { count, money } = decodeItem(BudgetCounterItem, item);
        return [item.sk, { ...(count === undefined ? {} : { count }), ...(money === undefined ? {} : { money }) }];
      }),
    );
  }

  /** Adds the budget claims one counter at a time; on a refusal, takes back the ones made. */
  async function claimBudgets(tenantId: string, adds: readonly BudgetAdd[]): Promise<BudgetAdd | undefined> {
    const made: BudgetAdd[] = [];
    for (const add of adds) {
      try {
        await store.increment(budgetCounterKey(tenantId, add.id), add.add, { atMost: add.atMost });
        made.push(add);
      } catch (e) {
        if (!(e instanceof ConditionFailedError)) throw e;
        await giveBack(tenantId, made);
        return add;
      }
    }
    return undefined;
  }

  async function giveBack(tenantId: string, adds: readonly BudgetAdd[]) {
    for (const { id, add } of undoAdds(adds)) await store.increment(budgetCounterKey(tenantId, id), add);
  }

  /** Takes one token of the channel's bucket; the wait in ms when there is none. */
  async function takeToken(input: GuardInput): Promise<number | undefined> {
    const limit = DispatchSettings.parse(input.tenant.dispatch ?? {}).rateLimits?.[input.channel];
    if (!limit) return undefined;
    const key = rateBucketKey(input.tenant.id, input.channel);
    const { result } = await writeVersioned<number | undefined>(store, {
      key,
      decide(current) {
        const stored = current ? decodeItem(RateBucketItem, current) : undefined;
        const taken = take(
          stored && { tokens: stored.tokens, at: stored.at },
          clock.now(),
          limit.perSecond,
          limit.burst,
        );
        if (!taken.ok) return { result: taken.waitMs };
        return { write: { ...key, version: (stored?.version ?? 0) + 1, ...taken.bucket }, result: undefined };
      },
    });
    return result;
  }

  return async function guard(input: GuardInput): Promise<GuardVerdict> {
    const { message, profile, tenant, now, channel } = input;
    const settings = await settingsOf(input);
    const timeZone = customerTimeZone(profile.timezone?.v, tenant.timezone);
    const logKey = capsLogKey(message.tenantId, message.customerId);
    const sendLog = logOf(input.capsLog);
    const scope =
      message.journeyId !== undefined
        ? { kind: 'journey' as const, id: message.journeyId }
        : message.campaignId !== undefined
          ? { kind: 'campaign' as const, id: message.campaignId }
          : undefined;
    const budget = budgetOf(settings, scope);
    const counters = scope && budget ? budgetCounters(scope, budget, now, tenant.timezone) : [];
    const outcome = evaluateGuardrails({
      settings,
      tenantTimeZone: tenant.timezone,
      customer: { id: message.customerId, timeZone: profile.timezone?.v, consent: profile.consent },
      action: {
        key: message.key,
        channel,
        purpose: message.purpose ?? 'marketing',
        staleAt: message.staleAt === undefined ? undefined : Date.parse(message.staleAt),
        budgetScope: scope,
      },
      sendLog,
      budgetSpent: await spentOf(
        message.tenantId,
        counters.map((c) => c.id),
      ),
      now,
      overrides: { ...(message.quietTime ? { quietHours: message.quietTime } : {}) },
    });
    const decisions = toSendDecisions(outcome.decisions);
    if (outcome.kind === 'skip') {
      return {
        kind: 'skip',
        decisions,
        reason: outcome.reason,
        rule: outcome.rule,
        ...(outcome.nextEligibleAt === undefined ? {} : { nextEligibleAt: outcome.nextEligibleAt }),
      };
    }
    if (outcome.kind === 'defer') return { kind: 'defer', decisions, until: outcome.until };

    const releaseCapEntry = async () => {
      await writeVersioned(store, {
        key: logKey,
        decide(current) {
          const log = logOf(current);
          const released = releaseCap(log, message.key);
          if (released === log) return { result: undefined };
          return {
            write: { ...logKey, version: (current?.version as number) + 1, log: [...released] },
            result: undefined,
          };
        },
      });
    };

    const reserve: Reserve = async () => {
      const wait = await takeToken(input);
      if (wait !== undefined) return { ok: false, defer: clock.now() + wait, rule: `rate:${channel}` };
      const entry = outcome.capReservation;
      if (entry) {
        // Decided again on the log as it is now: a concurrent send may have taken the last slot.
        const { result: refused } = await writeVersioned(store, {
          key: logKey,
          first: input.capsLog,
          decide(current) {
            const log = logOf(current);
            const cap = capDecision({
              rules: settings.caps,
              log,
              key: message.key,
              channel,
              purpose: 'marketing',
              now,
              timeZone,
            });
            if (!cap.allowed) return { result: cap };
            const next = pruneLog(reserveCap(log, entry), settings.caps, now, timeZone);
            return {
              write: { ...logKey, version: ((current?.version as number) ?? 0) + 1, log: [...next] },
              result: undefined,
            };
          },
        });
        if (refused && !refused.allowed)
          return {
            ok: false,
            skip: { reason: 'cap', rule: refused.ruleName, nextEligibleAt: refused.nextEligibleAt },
          };
      }
      const refusedBudget = await claimBudgets(message.tenantId, outcome.budgetAdds);
      if (refusedBudget) {
        if (entry) await releaseCapEntry();
        return {
          ok: false,
          skip: {
            reason: 'budget',
            rule: refusedBudget.rule,
            ...(refusedBudget.nextEligibleAt === undefined ? {} : { nextEligibleAt: refusedBudget.nextEligibleAt }),
          },
        };
      }
      const budgets = outcome.budgetAdds.map(({ id, add }) => ({
        ...budgetCounterKey(message.tenantId, id),
        counters: add,
      }));
      return {
        ok: true,
        held: { ...(entry ? { cap: true } : {}), ...(budgets.length ? { budgets } : {}) },
        async release() {
          if (entry) await releaseCapEntry();
          await giveBack(message.tenantId, outcome.budgetAdds);
        },
      };
    };
    return { kind: 'send', decisions, reserve };
  };
}
