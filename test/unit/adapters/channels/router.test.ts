import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOutbox, listOutbox } from '../../../../functions/adapters/channels/outbox';
import { type ChannelSender, createChannels } from '../../../../functions/adapters/channels/router';
import { ManualClock } from '../../../../functions/adapters/clock';
import { type OutgoingMessage, ProviderError } from '../../../../functions/ports';

const sms: OutgoingMessage = {
  channel: 'sms',
  tenantId: 't1',
  customerId: 'c1',
  key: 't1#k1',
  to: '+491510000',
  body: 'Hi',
};
const push: OutgoingMessage = {
  channel: 'push',
  tenantId: 't1',
  customerId: 'c1',
  key: 't1#k2',
  endpoint: 'arn:e',
  body: 'Hi',
};

describe('createChannels', () => {
  it("sends each message to its channel's provider", async () => {
    const seen: string[] = [];
    const recorder = <C extends OutgoingMessage['channel']>(name: C): ChannelSender<C> => ({
      async send(message) {
        seen.push(`${name}:${message.key}`);
        return { provider: name, providerMessageId: message.key };
      },
    });
    const channels = createChannels({ sms: recorder('sms'), push: recorder('push') });
    expect(await channels.send(sms)).toEqual({ provider: 'sms', providerMessageId: 't1#k1' });
    expect(await channels.send(push)).toEqual({ provider: 'push', providerMessageId: 't1#k2' });
    expect(seen).toEqual(['sms:t1#k1', 'push:t1#k2']);
  });

  it("fails 'permanent' for a channel with no provider", async () => {
    const error = await createChannels({})
      .send(sms)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ failure: 'permanent', message: 'no sms provider is configured' });
  });

  it("passes a provider's ProviderError through, and makes anything else 'unknown'", async () => {
    const throttled = new ProviderError('throttled', 'slow down', { retryAfterMs: 5_000 });
    const channels = createChannels({
      sms: { send: () => Promise.reject(throttled) },
      push: {
        send: () => {
          throw new TypeError('boom');
        },
      },
    });
    await expect(channels.send(sms)).rejects.toBe(throttled);
    await expect(channels.send(push)).rejects.toMatchObject({ failure: 'unknown', cause: expect.any(TypeError) });
  });

  it('takes the outbox for every channel (npm start without providers)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'growthloop-router-'));
    try {
      const outbox = createOutbox({ dataDir, clock: new ManualClock(0) });
      const channels = createChannels({ email: outbox, sms: outbox, push: outbox, webhook: outbox });
      await channels.send(sms);
      await channels.send(push);
      expect((await listOutbox(dataDir, { tenantId: 't1' })).items.map((item) => item.channel)).toEqual([
        'sms',
        'push',
      ]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
