// growthloop export --events --aws on moto_server: ingested events (identify traits sealed under a
// KMS-wrapped data key) are archived by EventBridge, replayed to the export rule alone, drained from
// the export queue and opened; live events never reach the export queue.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { replayArchive } from '../../functions/adapters/aws/archive-replay';
import { createTableDataKeys } from '../../functions/adapters/aws/data-keys';
import { createDynamoStore, ensureTable } from '../../functions/adapters/aws/dynamodb';
import { createEventBridgeBus } from '../../functions/adapters/aws/eventbridge';
import { kmsKeyWrapper } from '../../functions/adapters/aws/kms';
import { systemClock } from '../../functions/adapters/clock';
import { exportEvents, noCounts } from '../../functions/app/export-events/run';
import { publishEvents } from '../../functions/app/ingest/publish';
import { INGEST_SOURCE } from '../../functions/routes';
import { testEvent } from '../helpers/events';
import { awsClientConfig, describeWithEmulator, type Moto, startMoto } from '../helpers/moto';

const TENANT = 'shop-a';
const BUS = 'growthloop-test-bus';

describeWithEmulator('export of the EventBridge archive on moto_server', () => {
  let moto: Moto;
  let events: EventBridgeClient;
  let sqs: SQSClient;
  let kms: KMSClient;
  let dynamo: DynamoDBClient;

  beforeAll(async () => {
    moto = await startMoto();
    const config = awsClientConfig(moto.endpoint);
    [events, sqs, kms, dynamo] = [
      new EventBridgeClient(config),
      new SQSClient(config),
      new KMSClient(config),
      new DynamoDBClient(config),
    ];
  });

  afterAll(async () => {
    for (const client of [events, sqs, kms, dynamo]) client?.destroy();
    await moto?.stop();
  });

  async function queue(name: string) {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: QueueUrl as string, AttributeNames: ['QueueArn'] }),
    );
    return { url: QueueUrl as string, arn: Attributes?.QueueArn as string };
  }

  async function ruleTo(name: string, pattern: object, arn: string): Promise<string> {
    const { RuleArn } = await events.send(
      new PutRuleCommand({ Name: name, EventBusName: BUS, EventPattern: JSON.stringify(pattern) }),
    );
    await events.send(new PutTargetsCommand({ Rule: name, EventBusName: BUS, Targets: [{ Id: name, Arn: arn }] }));
    return RuleArn as string;
  }

  it('replays the archive to the export queue and opens what it drains', async () => {
    const { EventBusArn } = await events.send(new CreateEventBusCommand({ Name: BUS }));
    const { ArchiveArn } = await events.send(
      new CreateArchiveCommand({
        ArchiveName: 'growthloop-test-archive',
        EventSourceArn: EventBusArn,
        EventPattern: JSON.stringify({ account: ['123456789012'] }),
      }),
    );
    // As lib/event-bus.ts and lib/routing.ts build them: the export rule, and one live route.
    const exportQueue = await queue('export');
    const exportRuleArn = await ruleTo(
      'export',
      { source: [INGEST_SOURCE], 'replay-name': [{ exists: true }] },
      exportQueue.arn,
    );
    const live = await queue('profile-updates');
    await ruleTo('live', { source: [INGEST_SOURCE] }, live.arn);

    await ensureTable(dynamo, 'growthloop-test');
    const store = createDynamoStore({ client: dynamo, tableName: 'growthloop-test' });
    const keyId = String((await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId);
    const dataKeys = createTableDataKeys({ store, wrapper: kmsKeyWrapper({ client: kms, keyId }), clock: systemClock });
    const at = Date.parse('2026-11-02T10:00:00Z');
    const traits = { email: 'lin.archive@example.cn', name: '林' };
    const ingested = [
      testEvent(TENANT, 'identify', 'c1', at, { traits }),
      testEvent(TENANT, 'order_placed', 'c1', at + 1000, { orderId: 'o-1', total: 1999, currency: 'CNY' }),
      testEvent(TENANT, 'login', 'c2', at + 2000, {}),
      testEvent('shop-b', 'login', 'c9', at + 3000, {}),
    ];
    await publishEvents({ bus: createEventBridgeBus({ client: events, busName: BUS }), dataKeys }, ingested);

    // Live events reach the live route, never the export queue.
    const drained = await sqs.send(new ReceiveMessageCommand({ QueueUrl: exportQueue.url, WaitTimeSeconds: 0 }));
    expect(drained.Messages ?? []).toHaveLength(0);
    const delivered = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: live.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const sealed = delivered.Messages?.find((m) => m.Body?.includes('"identify"'))?.Body ?? '';
    expect(sealed).not.toContain(traits.email);

    const states: string[] = [];
    const counts = noCounts();
    const lines = replayArchive({
      archiveArn: ArchiveArn as string,
      busArn: EventBusArn as string,
      exportRuleArn,
      exportQueueUrl: exportQueue.url,
      events,
      sqs,
      name: 'growthloop-export-test',
      from: Date.now() - 3_600_000,
      to: Date.now() + 60_000,
      waitSeconds: 1,
      emptyReceivesToFinish: 2,
      onState: (s) => states.push(s),
    });
    const exported = [];
    for await (const event of exportEvents({ store, dataKeys }, lines, { tenantId: TENANT }, counts))
      exported.push(event);
    expect(states).toContain('COMPLETED');
    expect(exported.map((e) => e.eventId).sort()).toEqual(
      ingested
        .slice(0, 3)
        .map((e) => e.eventId)
        .sort(),
    );
    expect(exported.find((e) => e.type === 'identify')?.properties).toEqual({ traits });
    expect(counts).toMatchObject({ exported: 3, unreadable: 0, shreddedFields: 0 });
    // What the export drained is gone from its queue.
    const left = await sqs.send(new ReceiveMessageCommand({ QueueUrl: exportQueue.url, WaitTimeSeconds: 0 }));
    expect(left.Messages ?? []).toHaveLength(0);
  }, 60_000);
});
