import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe } from 'vitest';
import { createSqsQueue } from '../../functions/adapters/aws/sqs';
import { ManualClock } from '../../functions/adapters/clock';
import { createLocalQueue } from '../../functions/adapters/local/queue';
import { awsClientConfig, describeWithEmulator, type Moto, startMoto } from '../helpers/moto';
import { queueContract } from './queue.contract';

const VISIBILITY_SECONDS = 1;
const MAX_RECEIVE_COUNT = 2;

describeWithEmulator('SQS queue adapter on moto', () => {
  let moto: Moto;
  let client: SQSClient;
  let created = 0;

  beforeAll(async () => {
    moto = await startMoto();
    client = new SQSClient(awsClientConfig(moto.endpoint));
  });

  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  queueContract(async () => {
    const name = `contract-${++created}`;
    const dlq = await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const deadLetterUrl = dlq.QueueUrl as string;
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }),
    );
    const main = await client.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: String(VISIBILITY_SECONDS),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: Attributes?.QueueArn,
            maxReceiveCount: MAX_RECEIVE_COUNT,
          }),
        },
      }),
    );
    const url = main.QueueUrl as string;
    return {
      queue: createSqsQueue({ client, urls: { [name]: { url, deadLetterUrl } } }),
      name,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      // The one real-time wait: SQS visibility runs on the server's clock.
      passVisibilityTimeout: () => new Promise((resolve) => setTimeout(resolve, VISIBILITY_SECONDS * 1000 + 100)),
      close: async () => {
        await client.send(new DeleteQueueCommand({ QueueUrl: url }));
        await client.send(new DeleteQueueCommand({ QueueUrl: deadLetterUrl }));
      },
    };
  });
});

function localQueueSubject(dir?: string) {
  return async () => {
    const name = 'contract';
    const clock = new ManualClock('2024-03-01T09:00:00Z');
    const queue = createLocalQueue({
      clock,
      dir,
      definitions: { [name]: { visibilitySeconds: VISIBILITY_SECONDS, maxReceiveCount: MAX_RECEIVE_COUNT } },
    });
    return {
      queue,
      name,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      passVisibilityTimeout: async () => clock.advance(VISIBILITY_SECONDS * 1000 + 1),
      close: () => queue.close(),
    };
  };
}

describe('local queue adapter in memory', () => {
  queueContract(localQueueSubject());
});

describe('local queue adapter journaled on disk', () => {
  let root: string;
  let created = 0;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'growthloop-queue-contract-'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  // A fresh journal directory per case, so every case starts from an empty queue.
  queueContract(() => localQueueSubject(join(root, `case-${++created}`))());
});
