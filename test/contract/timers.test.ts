import {
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  atExpression,
  createAwsTimers,
  MAX_SQS_DELAY_SECONDS,
  scheduleName,
} from '../../functions/adapters/aws/timers';
import { ManualClock, systemClock } from '../../functions/adapters/clock';
import { createLocalQueue } from '../../functions/adapters/local/queue';
import { createLocalTimers, type LocalTimers, TIMERS_PK_PREFIX, timerKey } from '../../functions/adapters/local/timers';
import type { Queue, Timer } from '../../functions/ports';
import { awsClientConfig, describeWithEmulator, type Moto, startMoto } from '../helpers/moto';
import { dynaliteStore, type TestStore } from '../helpers/stores';
import { type TimersSubject, timersContract } from './timers.contract';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const QUEUE = 'journey-steps';

// ---------------------------------------------------------------------------------------------
// Local timer wheel: dynalite store, in-memory local queue, ManualClock; time passes by advancing
// the clock and calling fireDue().

type LocalWorld = {
  testStore: TestStore;
  queue: Queue & { close(): Promise<void> };
  clock: ManualClock;
  timers: LocalTimers;
  restart(): Promise<void>;
  take(name?: string): Promise<string[]>;
  close(): Promise<void>;
};

async function localWorld(
  options: { queues?: string[]; wrapQueue?: (queue: Queue) => Queue } = {},
): Promise<LocalWorld> {
  const testStore = await dynaliteStore();
  const clock = new ManualClock('2024-03-01T09:00:00Z');
  const names = options.queues ?? [QUEUE];
  const queue = createLocalQueue({
    clock,
    definitions: Object.fromEntries(names.map((name) => [name, { visibilitySeconds: 30, maxReceiveCount: 3 }])),
  });
  const deliverTo = options.wrapQueue ? options.wrapQueue(queue) : queue;
  const make = () => createLocalTimers({ store: testStore.store, queue: deliverTo, clock });
  const world: LocalWorld = {
    testStore,
    queue,
    clock,
    timers: make(),
    async restart() {
      await world.timers.stop();
      world.timers = make();
    },
    async take(name = QUEUE) {
      const messages = await queue.receive(name, { max: 10_000 });
      await queue.ack(
        name,
        messages.map((message) => message.receipt),
      );
      return messages.map((message) => message.body);
    },
    async close() {
      await world.timers.stop();
      await queue.close();
      await testStore.stop();
    },
  };
  return world;
}

describe('local timers adapter on dynalite', () => {
  timersContract(
    async () => {
      const world = await localWorld();
      const subject: TimersSubject = {
        timers: world.timers,
        queue: QUEUE,
        now: () => world.clock.now(),
        async pass(ms) {
          world.clock.advance(ms);
          await world.timers.fireDue();
        },
        delivered: () => world.take(),
        delayMs: 3 * DAY,
        slackMs: 1,
        async restart() {
          await world.restart();
          subject.timers = world.timers;
        },
        close: () => world.close(),
      };
      return subject;
    },
    { dedupesPending: true, ordered: true, restart: true },
  );

  it('setting a pending id with a new time replaces it: delivered once, at the new time', async () => {
    const world = await localWorld();
    try {
      const start = world.clock.now();
      await world.timers.set([{ id: 'moved', at: start + HOUR, queue: QUEUE, body: 'old' }]);
      await world.timers.set([{ id: 'moved', at: start + 2 * HOUR, queue: QUEUE, body: 'new' }]);
      world.clock.advance(HOUR);
      expect(await world.timers.fireDue()).toBe(0);
      expect(await world.take()).toEqual([]);
      world.clock.advance(HOUR);
      expect(await world.timers.fireDue()).toBe(1);
      expect(await world.take()).toEqual(['new']);
      expect(await world.testStore.store.scan(TIMERS_PK_PREFIX)).toEqual([]);
    } finally {
      await world.close();
    }
  });

  it('a pending timer is one item under TIMERS#<hour>, removed once it has fired', async () => {
    const world = await localWorld();
    try {
      const at = Date.parse('2024-03-01T11:30:00.250Z');
      await world.timers.set([{ id: 'tenant-a#journey-1#c-9', at, queue: QUEUE, body: '{"step":2}' }]);
      const items = await world.testStore.store.scan(TIMERS_PK_PREFIX);
      expect(items).toEqual([
        {
          pk: 'TIMERS#2024-03-01T11',
          sk: `00${at}#tenant-a#journey-1#c-9`,
          timerId: 'tenant-a#journey-1#c-9',
          at,
          queue: QUEUE,
          body: '{"step":2}',
        },
      ]);
      expect(timerKey('tenant-a#journey-1#c-9', at)).toEqual({ pk: items[0]?.pk, sk: items[0]?.sk });
      world.clock.set(at);
      expect(await world.timers.fireDue()).toBe(1);
      expect(await world.testStore.store.scan(TIMERS_PK_PREFIX)).toEqual([]);
    } finally {
      await world.close();
    }
  });

  it('a timer already due is sent by set itself and never written to the store', async () => {
    const world = await localWorld();
    try {
      await world.timers.set([{ id: 'now', at: world.clock.now(), queue: QUEUE, body: 'right away' }]);
      expect(await world.take()).toEqual(['right away']);
      expect(await world.testStore.store.scan(TIMERS_PK_PREFIX)).toEqual([]);
    } finally {
      await world.close();
    }
  });

  it('setting a pending id to a time already past delivers it now and drops the pending one', async () => {
    const world = await localWorld();
    try {
      const start = world.clock.now();
      await world.timers.set([{ id: 'pulled-in', at: start + DAY, queue: QUEUE, body: 'tomorrow' }]);
      await world.timers.set([{ id: 'pulled-in', at: start, queue: QUEUE, body: 'today' }]);
      expect(await world.take()).toEqual(['today']);
      world.clock.advance(2 * DAY);
      expect(await world.timers.fireDue()).toBe(0);
      expect(await world.testStore.store.scan(TIMERS_PK_PREFIX)).toEqual([]);
    } finally {
      await world.close();
    }
  });

  it('start() polls on the real timer and delivers what the clock says is due', async () => {
    const world = await localWorld();
    try {
      world.timers = createLocalTimers({
        store: world.testStore.store,
        queue: world.queue,
        clock: world.clock,
        pollMs: 10,
      });
      world.timers.start();
      await world.timers.set([{ id: 'polled', at: world.clock.now() + DAY, queue: QUEUE, body: 'by the poller' }]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await world.take()).toEqual([]);
      world.clock.advance(DAY);
      const got: string[] = [];
      await vi.waitFor(
        async () => {
          got.push(...(await world.take()));
          expect(got).toEqual(['by the poller']);
        },
        { timeout: 5_000, interval: 20 },
      );
      await world.timers.stop();
    } finally {
      await world.close();
    }
  });

  it('a queue that refuses delivery keeps its timers pending and does not hold back other queues', async () => {
    let refuse = true;
    const world = await localWorld({
      queues: [QUEUE, 'actions'],
      wrapQueue: (queue) => ({
        ...queue,
        send: async (name, bodies) => {
          if (name === 'actions' && refuse) throw new Error('actions queue unavailable');
          await queue.send(name, bodies);
        },
      }),
    });
    try {
      const at = world.clock.now() + HOUR;
      await world.timers.set([
        { id: 'a', at, queue: 'actions', body: 'to actions' },
        { id: 'b', at: at + 1, queue: QUEUE, body: 'to steps' },
      ]);
      world.clock.advance(2 * HOUR);
      await expect(world.timers.fireDue()).rejects.toThrow(/actions queue unavailable/);
      expect(await world.take()).toEqual(['to steps']);
      refuse = false;
      expect(await world.timers.fireDue()).toBe(1);
      expect(await world.take('actions')).toEqual(['to actions']);
      expect(await world.testStore.store.scan(TIMERS_PK_PREFIX)).toEqual([]);
    } finally {
      await world.close();
    }
  });

  it('refuses a timer without an id or with a time that is not a number', async () => {
    const world = await localWorld();
    try {
      await expect(world.timers.set([{ id: '', at: 1, queue: QUEUE, body: 'x' }])).rejects.toThrow(/id/);
      await expect(world.timers.set([{ id: 'x', at: Number.NaN, queue: QUEUE, body: 'x' }])).rejects.toThrow(/at/);
    } finally {
      await world.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Pure helpers of the AWS adapter.

describe('AWS timers naming and expressions', () => {
  it('a schedule name is deterministic, distinct per id, and valid for any id', () => {
    const ids = ['a', 'b', 'tenant-a#journey/1#customer:ü#🎉', 'x'.repeat(5_000)];
    const names = ids.map(scheduleName);
    expect(new Set(names).size).toBe(ids.length);
    for (const [index, name] of names.entries()) {
      expect(name).toMatch(/^[0-9a-zA-Z_.-]{1,64}$/);
      expect(scheduleName(ids[index] as string)).toBe(name);
    }
  });

  it('an at() expression is in UTC and rounds up to the second, never early', () => {
    expect(atExpression(Date.parse('2025-03-30T01:59:59.000Z'))).toBe('at(2025-03-30T01:59:59)');
    expect(atExpression(Date.parse('2025-03-30T01:59:59.001Z'))).toBe('at(2025-03-30T02:00:00)');
    expect(atExpression(Date.parse('2025-12-31T23:59:59.999Z'))).toBe('at(2026-01-01T00:00:00)');
  });
});

// ---------------------------------------------------------------------------------------------
// AWS adapter on moto_server: near timers are delayed SQS messages (real time passes), far ones
// are EventBridge Scheduler schedules (moto stores them but never fires them).

describeWithEmulator('AWS timers adapter on moto', () => {
  const ROLE_ARN = 'arn:aws:iam::123456789012:role/growthloop-scheduler';
  const GROUP = 'growthloop-timers-test';
  let moto: Moto;
  let sqs: SQSClient;
  let scheduler: SchedulerClient;
  let created = 0;

  beforeAll(async () => {
    moto = await startMoto();
    sqs = new SQSClient(awsClientConfig(moto.endpoint));
    scheduler = new SchedulerClient(awsClientConfig(moto.endpoint));
    // moto answers a CreateSchedule in a group that does not exist with an internal error, so make it.
    await scheduler.send(new CreateScheduleGroupCommand({ Name: GROUP }));
  });

  afterAll(async () => {
    sqs?.destroy();
    scheduler?.destroy();
    await moto?.stop();
  });

  async function createQueue(): Promise<{ name: string; url: string; arn: string }> {
    const name = `timers-${++created}`;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    return { name, url: QueueUrl as string, arn: Attributes?.QueueArn as string };
  }

  /** `group` null: no GroupName, so the account's default group. */
  function adapter(queue: { name: string; url: string; arn: string }, group: string | null = GROUP) {
    return createAwsTimers({
      sqs,
      scheduler,
      queueUrls: { [queue.name]: queue.url },
      queueArns: { [queue.name]: queue.arn },
      schedulerRoleArn: ROLE_ARN,
      groupName: group ?? undefined,
      clock: systemClock,
    });
  }

  /** Receives until `count` bodies arrived (long-polling up to ~8 s) or, for 0, takes what is there now. */
  async function take(url: string, count: number): Promise<string[]> {
    const bodies: string[] = [];
    const deadline = Date.now() + 8_000;
    do {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: count > 0 ? 1 : 0 }),
      );
      if (Messages.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
          }),
        );
      }
      bodies.push(...Messages.map((message) => message.Body ?? ''));
      if (count === 0 && Messages.length === 0) break;
    } while (bodies.length < count && Date.now() < deadline);
    return bodies;
  }

  async function schedulesIn(group: string): Promise<string[]> {
    const { Schedules = [] } = await scheduler.send(new ListSchedulesCommand({ GroupName: group }));
    return Schedules.map((schedule) => schedule.Name ?? '');
  }

  timersContract(
    async () => {
      const queue = await createQueue();
      return {
        timers: adapter(queue),
        queue: queue.name,
        now: () => Date.now(),
        // The one real-time wait: SQS delays run on the server's clock.
        pass: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        delivered: (count) => take(queue.url, count),
        delayMs: 3_000,
        slackMs: 1_000,
        close: async () => {
          await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
        },
      };
    },
    { dedupesPending: false, ordered: false, restart: false },
  );

  it('a timer more than 15 minutes away becomes a one-time UTC schedule that sends its body to the queue', async () => {
    const queue = await createQueue();
    const at = Date.now() + 30 * DAY + 123;
    const timer: Timer = { id: 'tenant-a#winback#c-42#wait-30d', at, queue: queue.name, body: '{"step":"wait-30d"}' };
    await adapter(queue).set([timer]);

    const schedule = await scheduler.send(new GetScheduleCommand({ Name: scheduleName(timer.id), GroupName: GROUP }));
    expect(schedule.ScheduleExpression).toBe(`at(${new Date(Math.ceil(at / 1000) * 1000).toISOString().slice(0, 19)})`);
    expect(schedule.ScheduleExpressionTimezone).toBe('UTC');
    expect(schedule.FlexibleTimeWindow?.Mode).toBe('OFF');
    expect(schedule.ActionAfterCompletion).toBe('DELETE');
    expect(schedule.GroupName).toBe(GROUP);
    expect(schedule.Target?.Arn).toBe(queue.arn);
    expect(schedule.Target?.RoleArn).toBe(ROLE_ARN);
    expect(schedule.Target?.Input).toBe(timer.body);
    // Nothing went to the queue directly.
    expect(await take(queue.url, 0)).toEqual([]);
  });

  it('setting a far timer again while its schedule is pending is not an error and keeps one schedule', async () => {
    const queue = await createQueue();
    const group = `again-${created}`;
    await scheduler.send(new CreateScheduleGroupCommand({ Name: group }));
    const timers = adapter(queue, group);
    const timer: Timer = {
      id: 'tenant-a#welcome#c-7#wait-1y',
      at: Date.now() + 365 * DAY,
      queue: queue.name,
      body: 'a',
    };
    await timers.set([timer]);
    await timers.set([timer]);
    await timers.set([{ ...timer, body: 'b' }]);
    expect(await schedulesIn(group)).toEqual([scheduleName(timer.id)]);
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: scheduleName(timer.id), GroupName: group }));
    expect(schedule.Target?.Input).toBe('a');
  });

  it('without a group name, schedules go to the default group', async () => {
    const queue = await createQueue();
    const timer: Timer = { id: `default-group-${created}`, at: Date.now() + DAY, queue: queue.name, body: 'x' };
    await adapter(queue, null).set([timer]);
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: scheduleName(timer.id) }));
    expect(schedule.GroupName).toBe('default');
    expect(schedule.Target?.Input).toBe('x');
  });

  it('a timer exactly 15 minutes away is a delayed SQS message, not a schedule', async () => {
    const queue = await createQueue();
    const group = `near-${created}`;
    await scheduler.send(new CreateScheduleGroupCommand({ Name: group }));
    const clock = new ManualClock(Date.now());
    const timers = createAwsTimers({
      sqs,
      scheduler,
      queueUrls: { [queue.name]: queue.url },
      queueArns: { [queue.name]: queue.arn },
      schedulerRoleArn: ROLE_ARN,
      groupName: group,
      clock,
    });
    await timers.set([
      { id: 'edge', at: clock.now() + MAX_SQS_DELAY_SECONDS * 1000, queue: queue.name, body: 'edge' },
      { id: 'past-edge', at: clock.now() + MAX_SQS_DELAY_SECONDS * 1000 + 1, queue: queue.name, body: 'past edge' },
    ]);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue.url,
        AttributeNames: ['ApproximateNumberOfMessagesDelayed', 'ApproximateNumberOfMessages'],
      }),
    );
    expect(Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
    expect(Attributes?.ApproximateNumberOfMessages).toBe('0');
    expect(await schedulesIn(group)).toEqual([scheduleName('past-edge')]);
  });

  it('sends 25 near timers to two queues in batches', async () => {
    const first = await createQueue();
    const second = await createQueue();
    const timers = createAwsTimers({
      sqs,
      scheduler,
      queueUrls: { [first.name]: first.url, [second.name]: second.url },
      queueArns: { [first.name]: first.arn, [second.name]: second.arn },
      schedulerRoleArn: ROLE_ARN,
      groupName: GROUP,
      clock: systemClock,
    });
    const now = Date.now();
    const all = Array.from({ length: 25 }, (_, index) => ({
      id: `batch-${index}`,
      at: now - index,
      queue: index % 2 === 0 ? first.name : second.name,
      body: `body ${index}`,
    }));
    await timers.set(all);
    expect((await take(first.url, 13)).sort()).toEqual(
      all
        .filter((t) => t.queue === first.name)
        .map((t) => t.body)
        .sort(),
    );
    expect((await take(second.url, 12)).sort()).toEqual(
      all
        .filter((t) => t.queue === second.name)
        .map((t) => t.body)
        .sort(),
    );
  });

  it('refuses a timer for an unknown queue with a clear error and sends nothing', async () => {
    const queue = await createQueue();
    const timers = adapter(queue);
    await expect(
      timers.set([
        { id: 'ok', at: Date.now(), queue: queue.name, body: 'fine' },
        { id: 'bad', at: Date.now(), queue: 'no-such-queue', body: 'lost' },
      ]),
    ).rejects.toThrow(/no-such-queue/);
    expect(await take(queue.url, 0)).toEqual([]);
  });
});
