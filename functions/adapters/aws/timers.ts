// Timers port on AWS (ARCHITECTURE.md section 1): a timer due within 15 minutes is an SQS message
// with DelaySeconds; a later one is a one-time EventBridge Scheduler schedule, `at(...)` in UTC,
// whose target is the queue itself and which deletes itself after it has fired.
//
// Setting the same id again: a schedule is named after the id, so while it is pending a second
// CreateSchedule is refused (ConflictException) and counts as already set, keeping the first
// time and body. A delayed SQS message has no name: setting a near timer twice sends it twice,
// and the consumer's duplicate check absorbs the second (as it does any redelivery).
import { createHash } from 'node:crypto';
import { ConflictException, CreateScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { forEachConcurrently } from '../../concurrently';
import type { Clock, Timer, Timers } from '../../ports';
import { batchEntries, type SqsEntry, sendEntries } from './sqs';

/** The longest DelaySeconds SQS accepts; later timers go to EventBridge Scheduler. */
export const MAX_SQS_DELAY_SECONDS = 900;

/** CreateSchedule calls in flight at once (the SDK retries throttling on its own). */
const SCHEDULE_CONCURRENCY = 10;

/**
 * The schedule name for a timer id: `t-` and 62 hex digits of the id's SHA-256, so any id maps to
 * a valid name (at most 64 of [0-9a-zA-Z-_.]) and the same id always to the same name.
 */
export function scheduleName(id: string): string {
  return `t-${createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 62)}`;
}

/**
 * The one-time schedule expression for an epoch-ms time, in UTC, rounded UP to the whole second
 * (a timer may fire late, never early): `at(2025-03-01T09:00:01)`.
 */
export function atExpression(at: number): string {
  const seconds = new Date(Math.ceil(at / 1000) * 1000).toISOString().slice(0, 19);
  return `at(${seconds})`;
}

export function createAwsTimers(options: {
  sqs: SQSClient;
  scheduler: SchedulerClient;
  /** Queue name (as in functions/routes.ts) to its URL, for near timers. */
  queueUrls: Record<string, string>;
  /** Queue name to its ARN, the target of far timers' schedules. */
  queueArns: Record<string, string>;
  /** The role EventBridge Scheduler assumes to send to the queues (sqs:SendMessage on them). */
  schedulerRoleArn: string;
  /** The schedule group; the account's `default` group when absent. */
  groupName?: string;
  /** Where Scheduler puts a timer it could not deliver after its retries (an SQS queue ARN). */
  deadLetterArn?: string;
  clock: Clock;
}): Timers {
  const { sqs, scheduler, queueUrls, queueArns, schedulerRoleArn, groupName, deadLetterArn, clock } = options;

  function lookup(map: Record<string, string>, queue: string, what: string): string {
    const value = map[queue];
    if (!value) {
      throw new Error(
        `unknown queue "${queue}" (no ${what}); known queues: ${Object.keys(map).join(', ') || '(none)'}`,
      );
    }
    return value;
  }

  async function createSchedule(timer: Timer): Promise<void> {
    try {
      await scheduler.send(
        new CreateScheduleCommand({
          Name: scheduleName(timer.id),
          GroupName: groupName,
          ScheduleExpression: atExpression(timer.at),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: lookup(queueArns, timer.queue, 'ARN'),
            RoleArn: schedulerRoleArn,
            Input: timer.body,
            ...(deadLetterArn ? { DeadLetterConfig: { Arn: deadLetterArn } } : {}),
          },
        }),
      );
    } catch (error) {
      // A schedule of this name is pending: this timer is already set.
      if (error instanceof ConflictException || (error as Error)?.name === 'ConflictException') return;
      throw error;
    }
  }

  return {
    async set(timers) {
      // The last timer of each id wins, so one call never sets an id twice.
      const byId = new Map<string, Timer>();
      timers.forEach((timer, index) => {
        if (typeof timer.id !== 'string' || timer.id.length === 0) {
          throw new Error(`timer ${index}: id must be a non-empty string`);
        }
        if (!Number.isFinite(timer.at)) throw new Error(`timer ${timer.id}: at must be epoch milliseconds`);
        byId.delete(timer.id);
        byId.set(timer.id, timer);
      });

      const now = clock.now();
      const near = new Map<string, SqsEntry[]>();
      const far: Timer[] = [];
      for (const timer of byId.values()) {
        const delaySeconds = Math.max(0, Math.ceil((timer.at - now) / 1000));
        if (delaySeconds > MAX_SQS_DELAY_SECONDS) {
          lookup(queueArns, timer.queue, 'ARN');
          far.push(timer);
          continue;
        }
        const url = lookup(queueUrls, timer.queue, 'URL');
        const entries = near.get(url) ?? [];
        entries.push({ Id: String(entries.length), MessageBody: timer.body, DelaySeconds: delaySeconds });
        near.set(url, entries);
      }

      const batches = [...near].flatMap(([url, entries]) => batchEntries(entries).map((chunk) => ({ url, chunk })));
      await Promise.all([
        forEachConcurrently(batches, SCHEDULE_CONCURRENCY, ({ url, chunk }) => sendEntries(sqs, url, chunk)),
        forEachConcurrently(far, SCHEDULE_CONCURRENCY, createSchedule),
      ]);
    },
  };
}
