import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBridgeBus } from '../../functions/adapters/aws/eventbridge';
import { createSqsQueue, type SqsQueueUrls } from '../../functions/adapters/aws/sqs';
import { ManualClock } from '../../functions/adapters/clock';
import { createLocalBus } from '../../functions/adapters/local/bus';
import { createLocalQueue } from '../../functions/adapters/local/queue';
import type { Queue } from '../../functions/ports';
import { INGEST_SOURCE, queues, type Route, routes } from '../../functions/routes';
import { awsClientConfig, describeWithEmulator, type Moto, startMoto } from '../helpers/moto';
import { busContract } from './bus.contract';

describeWithEmulator('EventBridge bus adapter on moto', () => {
  let moto: Moto;
  let sqs: SQSClient;
  let events: EventBridgeClient;
  let created = 0;

  beforeAll(async () => {
    moto = await startMoto();
    sqs = new SQSClient(awsClientConfig(moto.endpoint));
    events = new EventBridgeClient(awsClientConfig(moto.endpoint));
  });

  afterAll(async () => {
    sqs?.destroy();
    events?.destroy();
    await moto?.stop();
  });

  async function createQueue(name: string): Promise<{ url: string; arn: string }> {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: QueueUrl as string, AttributeNames: ['QueueArn'] }),
    );
    return { url: QueueUrl as string, arn: Attributes?.QueueArn as string };
  }

  busContract(async () => {
    const suffix = `${++created}`;
    const busName = `growthloop-contract-${suffix}`;
    await events.send(new CreateEventBusCommand({ Name: busName }));

    // One SQS queue (and dead-letter queue) per route-table queue, one rule per route: as the CDK stack does.
    const urls: SqsQueueUrls = {};
    const arns: Record<string, string> = {};
    for (const name of Object.keys(queues)) {
      const main = await createQueue(`${name}-${suffix}`);
      const dead = await createQueue(`${name}-${suffix}-dlq`);
      urls[name] = { url: main.url, deadLetterUrl: dead.url };
      arns[name] = main.arn;
    }
    for (const route of routes) {
      await events.send(
        new PutRuleCommand({ Name: route.name, EventBusName: busName, EventPattern: JSON.stringify(route.pattern) }),
      );
      await events.send(
        new PutTargetsCommand({
          Rule: route.name,
          EventBusName: busName,
          Targets: [{ Id: route.queue, Arn: arns[route.queue] }],
        }),
      );
    }

    return {
      bus: createEventBridgeBus({ client: events, busName }),
      // moto 5.2 leaves `account` out of the envelope it delivers to SQS targets; EventBridge sends it.
      omitsAccount: true,
      queue: createSqsQueue({ client: sqs, urls }),
      close: async () => {
        for (const route of routes) {
          await events.send(new RemoveTargetsCommand({ Rule: route.name, EventBusName: busName, Ids: [route.queue] }));
          await events.send(new DeleteRuleCommand({ Name: route.name, EventBusName: busName }));
        }
        await events.send(new DeleteEventBusCommand({ Name: busName }));
        for (const { url, deadLetterUrl } of Object.values(urls)) {
          await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
          await sqs.send(new DeleteQueueCommand({ QueueUrl: deadLetterUrl }));
        }
      },
    };
  });
});

/** The lead's in-memory local queue, with a record of every send call. */
function recordingQueue(): Queue & { sends: { queue: string; bodies: string[] }[] } {
  const queue = createLocalQueue({ clock: new ManualClock(0) });
  const sends: { queue: string; bodies: string[] }[] = [];
  return {
    sends,
    send: async (name, bodies) => {
      sends.push({ queue: name, bodies });
      await queue.send(name, bodies);
    },
    receive: (name, options) => queue.receive(name, options),
    ack: (name, receipts) => queue.ack(name, receipts),
    deadLetters: (name, options) => queue.deadLetters(name, options),
  };
}

describe('local bus', () => {
  busContract(async () => {
    const clock = new ManualClock('2024-03-01T09:30:00Z');
    const queue = createLocalQueue({ clock });
    return {
      bus: createLocalBus({ queue, clock }),
      queue,
      close: () => queue.close(),
    };
  });

  it('stamps the envelope with the injected clock at second precision, like EventBridge', async () => {
    const queue = recordingQueue();
    const clock = new ManualClock('2024-03-31T01:59:59.987Z');
    const bus = createLocalBus({ queue, clock });
    await bus.put([{ source: INGEST_SOURCE, detailType: 'order_placed', detail: { eventId: 'e1' } }]);
    const [message] = await queue.receive('profile-updates');
    const envelope = JSON.parse(message?.body ?? '{}');
    expect(envelope).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'order_placed',
      source: INGEST_SOURCE,
      account: '000000000000',
      time: '2024-03-31T01:59:59Z',
      region: 'local',
      resources: [],
      detail: { eventId: 'e1' },
    });
  });

  it('sends once per queue however many events a put carries', async () => {
    const queue = recordingQueue();
    const bus = createLocalBus({ queue, clock: new ManualClock(0) });
    await bus.put(
      Array.from({ length: 25 }, (_, index) => ({
        source: INGEST_SOURCE,
        detailType: 'order_placed',
        detail: { index },
      })),
    );
    // Ingested orders go to the profiles, the journeys and the points ledger: one send to each queue.
    expect(queue.sends.map((s) => s.queue).sort()).toEqual(['journey-events', 'loyalty', 'profile-updates']);
    for (const send of queue.sends) expect(send.bodies).toHaveLength(25);
  });

  it('routes with the table it is given, prefixes included, and delivers once per matching route', async () => {
    const queue = recordingQueue();
    const table: Route[] = [
      { name: 'orders', pattern: { 'detail-type': [{ prefix: 'order_' }] }, queue: 'profile-updates' },
      { name: 'shop', pattern: { source: ['shop'], 'detail-type': ['order_paid'] }, queue: 'profile-updates' },
    ];
    const bus = createLocalBus({ queue, clock: new ManualClock(0), routes: table });
    await bus.put([
      { source: 'shop', detailType: 'order_paid', detail: {} },
      { source: 'shop', detailType: 'refund', detail: {} },
      { source: 'other', detailType: 'order_placed', detail: {} },
    ]);
    const delivered = (await queue.receive('profile-updates', { max: 10 })).map(
      (message) => JSON.parse(message.body)['detail-type'],
    );
    expect(delivered.sort()).toEqual(['order_paid', 'order_paid', 'order_placed']);
  });

  it('rejects a put whose detail is not a JSON object and delivers none of it', async () => {
    const queue = recordingQueue();
    const bus = createLocalBus({ queue, clock: new ManualClock(0) });
    await expect(
      bus.put([
        { source: INGEST_SOURCE, detailType: 'order_placed', detail: {} },
        { source: INGEST_SOURCE, detailType: 'order_placed', detail: 'not an object' },
      ]),
    ).rejects.toThrow(/detail must be a JSON object/);
    expect(queue.sends).toEqual([]);
  });
});
