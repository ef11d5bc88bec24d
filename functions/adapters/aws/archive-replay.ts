// Reading the bus's EventBridge archive: an archive cannot be read, only replayed onto its bus. The
// stack has a rule that sends replayed ingested events (they carry `replay-name`) to the export
// queue (lib/event-bus.ts); a replay aimed at that rule alone fills the queue, drained here.
import {
  DescribeReplayCommand,
  type EventBridgeClient,
  ReplayState,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export type ArchiveReplayTarget = {
  archiveArn: string;
  busArn: string;
  /** The rule that takes replayed events to the export queue (its ARN is the replay's only destination). */
  exportRuleArn: string;
  exportQueueUrl: string;
};

export type ArchiveReplayOptions = ArchiveReplayTarget & {
  events: EventBridgeClient;
  sqs: SQSClient;
  /** Events archived (received by the bus) from this instant, to this one (ms). */
  from: number;
  to: number;
  /** The replay's name, unique in the account and region. */
  name: string;
  /** Long-poll seconds per receive (20 in AWS; tests use less). */
  waitSeconds?: number;
  /** Empty receives after the replay has completed before the queue counts as drained. */
  emptyReceivesToFinish?: number;
  onState?: (state: string) => void;
};

function replayNameOf(body: string | undefined): unknown {
  try {
    return (JSON.parse(body ?? '') as { 'replay-name'?: unknown })?.['replay-name'];
  } catch {
    return undefined;
  }
}

const FAILED_STATES = new Set<string>([ReplayState.FAILED, ReplayState.CANCELLED, ReplayState.CANCELLING]);

/**
 * The envelopes (JSON, unparsed) the replay `name` puts on the export queue, each deleted from the
 * queue once handed over. Messages of other replays are left for their own reader.
 */
export async function* replayArchive(options: ArchiveReplayOptions): AsyncGenerator<string> {
  const { events, sqs, name } = options;
  const waitSeconds = options.waitSeconds ?? 20;
  const emptyToFinish = options.emptyReceivesToFinish ?? 3;
  await events.send(
    new StartReplayCommand({
      ReplayName: name,
      EventSourceArn: options.archiveArn,
      EventStartTime: new Date(options.from),
      EventEndTime: new Date(options.to),
      Destination: { Arn: options.busArn, FilterArns: [options.exportRuleArn] },
    }),
  );
  let completed = false;
  let empty = 0;
  while (!completed || empty < emptyToFinish) {
    if (!completed) {
      const { State, StateReason } = await events.send(new DescribeReplayCommand({ ReplayName: name }));
      options.onState?.(State ?? 'UNKNOWN');
      if (State && FAILED_STATES.has(State))
        throw new Error(`the archive replay ${name} ${State}: ${StateReason ?? ''}`);
      completed = State === ReplayState.COMPLETED;
    }
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.exportQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
      }),
    );
    const ours = Messages.filter((m) => replayNameOf(m.Body) === name);
    empty = ours.length === 0 ? empty + 1 : 0;
    for (const message of ours) yield message.Body as string;
    if (ours.length > 0)
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.exportQueueUrl,
          Entries: ours.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle as string })),
        }),
      );
  }
}
