import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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

describe('the local queue journal', () => {
  let root: string;
  let n = 0;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'growthloop-queue-journal-'));
  });
  afterAll(async () => {
    vi.useRealTimers();
    await rm(root, { recursive: true, force: true });
  });
  const open = (dir: string) => createLocalQueue({ dir, clock: new ManualClock(0) });
  const journal = (dir: string) => readFileSync(join(dir, 'profile-updates.jsonl'), 'utf8');

  it('drops acknowledged bodies within a second of the last acknowledgement, keeping the others across a restart', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const dir = join(root, `case-${++n}`);
    const queue = open(dir);
    await queue.send('profile-updates', ['acked-secret-1', 'acked-secret-2', 'kept-body']);
    const received = await queue.receive('profile-updates', { max: 10 });
    const acked = received.filter((m) => m.body.startsWith('acked'));
    await queue.ack(
      'profile-updates',
      acked.map((m) => m.receipt),
    );
    expect(journal(dir)).toContain('acked-secret-1');
    vi.advanceTimersByTime(1_000);
    expect(journal(dir)).not.toContain('acked-secret');
    expect(journal(dir)).toContain('kept-body');
    vi.useRealTimers();
    // a crash now (no close) leaves the unacknowledged body for the next start
    const reopened = open(dir);
    expect((await reopened.receive('profile-updates', { max: 10 })).map((m) => m.body)).toEqual(['kept-body']);
    await reopened.close();
    await queue.close();
  });

  it('rewrites at once when it holds as many acknowledged messages as live ones, and on close', async () => {
    const dir = join(root, `case-${++n}`);
    const queue = open(dir);
    const bodies = Array.from({ length: 150 }, (_, i) => `body-${String(i).padStart(3, '0')}`);
    await queue.send('profile-updates', bodies);
    const received = await queue.receive('profile-updates', { max: 150 });
    await queue.ack(
      'profile-updates',
      received.slice(0, 120).map((m) => m.receipt),
    );
    expect(journal(dir)).not.toContain('body-000');
    expect(journal(dir)).toContain('body-149');
    await queue.ack(
      'profile-updates',
      received.slice(120, 125).map((m) => m.receipt),
    );
    await queue.close();
    expect(journal(dir)).not.toContain('body-120');
    expect(journal(dir)).toContain('body-125');
  });
});
