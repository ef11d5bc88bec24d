import { Duration } from 'aws-cdk-lib';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { consumers, type QueueName } from '../functions/routes';

/**
 * How many concurrent invocations each queue's event source may start (SqsEventSource `maxConcurrency`, 2..1000).
 *
 * The cap keeps a backlog from taking the account's Lambda concurrency (1,000 by default, shared with the HTTP
 * API functions, which answer stores and must not be throttled) and from outrunning what sits behind the
 * consumer; the queue holds the rest, and its age alarm (lib/observability.ts) says when it falls behind.
 * All of them together take at most 40.
 * - profile-updates 10: batches of up to 500 events, each a conditional write on a profile; 10 batches at once is
 *   about the write rate a new on-demand table takes without throttling (4,000 writes/s), and more would mostly
 *   raise version conflicts on the same customers' profiles.
 * - journey-events 10: batches of up to 100 events, a few reads and writes each, and sends to the actions queue;
 *   10 batches in flight keep up with the 1,000 events/s the pipeline is built for while a batch takes under a second.
 * - journey-steps 5: timers come due in bursts (every journey waiting for "9:00 local"); a burst drains over a
 *   few minutes instead of starving the other consumers, and a timer a minute late is harmless.
 * - actions 5: the dispatcher sends through providers with their own rate limits (SES sending rate, SMS
 *   throughput); more invocations would only be throttled by the provider and retried.
 * - loyalty 5: a batch folds each customer's ledger (a query of their entries); points wait a few seconds
 *   without harm, and fewer invocations race less on one customer's account.
 * - groups 5: a batch folds each group's joins into its one item; more invocations would mostly race on the
 *   same popular group's version, and a join told a second later is harmless.
 */
export const MAX_CONCURRENCY = {
  'profile-updates': 10,
  'journey-events': 10,
  'journey-steps': 5,
  actions: 5,
  loyalty: 5,
  groups: 5,
} as const satisfies Record<QueueName, number>;

/**
 * The event source of a queue's consumer: batch size and batching window from the consumers table
 * (functions/routes.ts, shared with the local pollers), partial batch failures, and its concurrency cap.
 */
export function queueConsumer(name: keyof typeof consumers, queue: sqs.IQueue): sources.SqsEventSource {
  return new sources.SqsEventSource(queue, {
    batchSize: consumers[name].batchSize,
    maxBatchingWindow: Duration.seconds(consumers[name].batchingWindowSeconds),
    reportBatchItemFailures: true,
    maxConcurrency: MAX_CONCURRENCY[name],
  });
}
