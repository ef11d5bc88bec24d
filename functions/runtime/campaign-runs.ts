// Campaign runs on this machine: the state machine the stack deploys (functions/workflows/) run by
// aws-local-stepfunctions, each Task state given a local handler in place of its AWS service: the
// campaign steps for the Lambda states, the store for the DynamoDB states, the bus for EventBridge.
// An execution does not sit in the attribution wait (days, on a clock that may be a manual one): it
// stops there, its run recorded as offered, and `resumeDue` starts it again once the window is over;
// the definition takes an offered run straight to its wait. With `now` it does not wait at all.
import { marshall } from '@aws-sdk/util-dynamodb';
import { StateMachine } from 'aws-local-stepfunctions';
import { type CampaignStepsDeps, createCampaignSteps, type RunRef, stepError } from '../app/campaigns/steps';
import { type CronSchedule, firings, parseCron, scheduledRunId } from '../core/campaigns/cron';
import { CampaignDefinitionItem, campaignDefinitionKey, campaignRunKey } from '../core/campaigns/runs';
import type { Campaign } from '../core/campaigns/schema';
import type { TenantDirectory, TenantRecord } from '../core/config/tenants';
import { decodeItem } from '../core/stored-item';
import type { Bus, Clock, Item, Log } from '../ports';
import { campaignRunDefinition } from '../workflows/campaign-run';

export type LocalCampaignRunsDeps = CampaignStepsDeps & {
  bus: Bus;
  log: Log;
  /** Milliseconds between the retries of a failed step; the definition's backoff by default. */
  retryMs?: number;
};

export type RunOutcome =
  | { status: 'reported' }
  | { status: 'failed'; error: string }
  /** Stopped at the attribution wait, to be resumed at measureAt. */
  | { status: 'waiting'; measureAt: string };

/** An entry of an execution's event log (aws-local-stepfunctions does not export its type). */
export type EventLog = { type: string; state?: { name: string; input: unknown } };

export type LocalExecution = { result: Promise<RunOutcome>; events: EventLog[] };

const LAMBDA_STATES = ['Select', 'OfferPage', 'RecordOffered', 'Measure'] as const;
/** A wait the execution is stopped in before it ends (the longest setTimeout). */
const UNTIL_STOPPED = 2 ** 31 - 1;

type EventEntry = { Source: string; DetailType: string; Detail: unknown };
type KeyInput = { Key: { pk: { S: string }; sk: { S: string } } };

export function createLocalCampaignRuns(deps: LocalCampaignRunsDeps) {
  const { store, clock, log } = deps;
  const steps = createCampaignSteps(deps);
  const definition = campaignRunDefinition({
    TableName: 'growthloop',
    CampaignStepsFunctionArn: 'arn:aws:lambda:local:000000000000:function:campaign-steps',
    EventBusName: 'growthloop',
  });
  const running = new Map<string, LocalExecution>();

  /** A step's error as its Lambda reports it: refusals by name, everything else retried as Transient. */
  const asLambda =
    <I, O>(step: (input: I) => Promise<O>) =>
    async (input: unknown) => {
      try {
        return (await step(input as I)) as never;
      } catch (e) {
        throw stepError(e);
      }
    };

  const keyOf = (input: unknown) => {
    const { Key } = input as KeyInput;
    return { pk: Key.pk.S, sk: Key.sk.S };
  };

  /** Whether the run's attribution window is over (or need not be waited for). */
  async function due(ref: RunRef, now: boolean): Promise<boolean> {
    if (now) return true;
    const run = await store.get(campaignRunKey(ref.tenantId, ref.campaignId, ref.runId), { consistent: true });
    return run?.status === 'offered' && typeof run.measureAt === 'string' && Date.parse(run.measureAt) <= clock.now();
  }

  /** Runs the state machine for `ref`; a run already going is answered by that execution. */
  function start(ref: RunRef, options: { now?: boolean } = {}): LocalExecution {
    const id = `${ref.tenantId}\u0000${ref.campaignId}\u0000${ref.runId}`;
    const current = running.get(id);
    if (current) return current;
    const events: EventLog[] = [];
    const local = { result: execute(ref, options.now === true, events).finally(() => running.delete(id)), events };
    running.set(id, local);
    return local;
  }

  async function execute(ref: RunRef, now: boolean, events: EventLog[]): Promise<RunOutcome> {
    const waitOver = await due(ref, now);
    const machine = new StateMachine(structuredClone(definition) as never, { validationOptions: { noValidate: true } });
    const execution = machine.run(ref, {
      overrides: {
        taskResourceLocalHandlers: {
          ReadRun: async (input) => {
            const item = await store.get(keyOf(input), { consistent: true });
            return (item ? { Item: marshall(item, { removeUndefinedValues: true }) } : {}) as never;
          },
          Select: asLambda(() => steps.select(ref)),
          OfferPage: asLambda((input: RunRef & { page: number }) => steps.offer(input)),
          RecordOffered: asLambda((input: Parameters<typeof steps.offered>[0]) => steps.offered(input)),
          Measure: asLambda(() => steps.measure(ref)),
          AnnounceReport: announce,
          AnnounceFailure: announce,
          RecordFailure: async (input) => {
            const { ExpressionAttributeValues: values } = input as {
              ExpressionAttributeValues: Record<string, { S: string }>;
            };
            const key = keyOf(input);
            const item: Item = (await store.get(key, { consistent: true })) ?? key;
            if (item.status === 'reported')
              throw named('DynamoDB.ConditionalCheckFailedException', 'the run was reported');
            await store.put({
              ...item,
              status: 'failed',
              error: values[':error']?.S,
              campaignId: ref.campaignId,
              runId: ref.runId,
            });
            return {};
          },
        },
        waitTimeOverrides: { WaitForAttribution: waitOver ? 0 : UNTIL_STOPPED },
        ...(deps.retryMs === undefined
          ? {}
          : {
              retryIntervalOverrides: Object.fromEntries(LAMBDA_STATES.map((state) => [state, deps.retryMs as number])),
            }),
      },
    });
    let stopped: string | undefined;
    const logged = (async () => {
      for await (const event of execution.eventLogs) {
        events.push(event);
        if (!waitOver && event.type === 'StateEntered' && event.state.name === 'WaitForAttribution') {
          stopped = (event.state.input as { offered: { measureAt: string } }).offered.measureAt;
          execution.abort();
        }
      }
    })();
    try {
      await execution.result;
      return stopped ? { status: 'waiting', measureAt: stopped } : { status: 'reported' };
    } catch (e) {
      if (stopped) return { status: 'waiting', measureAt: stopped };
      log.warn('a campaign run failed', {
        tenantId: ref.tenantId,
        campaignId: ref.campaignId,
        reason: (e as Error).message,
      });
      return { status: 'failed', error: (e as Error).message };
    } finally {
      await logged;
    }
  }

  /** Starts again every offered run of these tenants whose attribution window is over. */
  async function resumeDue(tenantIds: readonly string[]): Promise<RunOutcome[]> {
    const starts: LocalExecution[] = [];
    for (const tenantId of tenantIds) {
      for (const item of await store.query(campaignRunKey(tenantId, '', '').pk, {
        skPrefix: 'RUN#',
        consistent: true,
      })) {
        const { campaignId, runId, status, measureAt } = item;
        if (status !== 'offered' || typeof measureAt !== 'string' || Date.parse(measureAt) > clock.now()) continue;
        starts.push(start({ tenantId, campaignId: String(campaignId), runId: String(runId) }));
      }
    }
    return Promise.all(starts.map((s) => s.result));
  }

  /**
   * Starts a run of every saved campaign of these tenants whose schedule fired in (`after`, `until`],
   * read in the campaign's time zone or the tenant's. The run id is the firing's time, as EventBridge
   * Scheduler names it in AWS (`scheduled-2026-12-07T09:00:00Z`), so a firing started twice is carried out once.
   */
  async function startScheduled(tenants: readonly TenantRecord[], after: number, until: number) {
    const starts: LocalExecution[] = [];
    for (const tenant of tenants) {
      const items = await store.query(campaignDefinitionKey(tenant.id, '').pk, { skPrefix: 'DEF#', consistent: true });
      for (const item of items) {
        let campaign: Campaign;
        let schedule: CronSchedule | undefined;
        try {
          campaign = decodeItem(CampaignDefinitionItem, item).campaign;
          schedule = campaign.schedule && parseCron(campaign.schedule.cron);
        } catch (e) {
          // Saved before its schedule was refused: the other campaigns still run.
          log.warn('a saved campaign cannot be read; save it again', {
            tenantId: tenant.id,
            reason: (e as Error).message,
          });
          continue;
        }
        if (!schedule) continue;
        const timeZone = campaign.schedule?.timezone ?? tenant.timezone;
        for (const at of firings(schedule, timeZone, after, until)) {
          const runId = scheduledRunId(new Date(at).toISOString().replace(/\.\d+Z$/, 'Z'));
          log.info('scheduled campaign run', { tenantId: tenant.id, campaignId: campaign.id, runId });
          starts.push(start({ tenantId: tenant.id, campaignId: campaign.id, runId }));
        }
      }
    }
    return Promise.all(starts.map((s) => s.result));
  }

  async function announce(input: unknown) {
    const { Entries } = input as { Entries: EventEntry[] };
    await deps.bus.put(Entries.map((e) => ({ source: e.Source, detailType: e.DetailType, detail: e.Detail })));
    return {};
  }

  return {
    start,
    resumeDue,
    startScheduled,
    /** Every run still going, for a shutdown to wait for. */
    settled: () => Promise.all([...running.values()].map((r) => r.result)),
  };
}

export type LocalCampaignRuns = ReturnType<typeof createLocalCampaignRuns>;

const named = (name: string, message: string) => Object.assign(new Error(message), { name });

const LOOP_MS = 60_000;
/** How far back the first pass looks for schedule firings: a run missed by a restart within the hour still starts. */
const FIRST_LOOKBACK_MS = 60 * 60_000;

/**
 * Each minute (and once at start), for every tenant of the registry: starts the runs of saved
 * campaigns whose schedule fired since the last pass, and resumes the runs whose attribution window
 * is over; stopping waits for the executions going on.
 */
export function startCampaignLoop(deps: { runs: LocalCampaignRuns; tenants: TenantDirectory; clock: Clock; log: Log }) {
  let stopped = false;
  let pass: Promise<unknown> = Promise.resolve();
  let checkedUntil = deps.clock.now() - FIRST_LOOKBACK_MS;
  const tick = () => {
    pass = (async () => {
      const after = checkedUntil;
      checkedUntil = deps.clock.now();
      try {
        const tenants = await deps.tenants.all();
        await Promise.all([
          deps.runs.startScheduled(tenants, after, checkedUntil),
          deps.runs.resumeDue(tenants.map((t) => t.id)),
        ]);
      } catch (e) {
        checkedUntil = Math.min(checkedUntil, after);
        deps.log.warn('campaign runs could not be started or resumed; the next minute tries again', {
          reason: (e as Error).message,
        });
      }
    })();
  };
  tick();
  const timer = setInterval(() => {
    if (!stopped) tick();
  }, LOOP_MS);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await pass;
      await deps.runs.settled();
    },
  };
}
