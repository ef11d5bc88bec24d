// Provider feedback over memory ports, on sends the dispatcher really made: SES events become
// canonical events (and revoke e-mail on a hard bounce or a complaint), an `unknown` send is settled
// once, SMS replies that opt out revoke SMS for the customer the index names, and the profile fold
// takes redelivered feedback once.
import { describe, expect, it } from 'vitest';
import { sesTagValue } from '../../../../functions/adapters/aws/channels/ses';
import { createChannels } from '../../../../functions/adapters/channels/router';
import { silentLog } from '../../../../functions/adapters/log';
import { createMemoryBus } from '../../../../functions/adapters/memory/bus';
import { createProviderFeedback, indexedSmsSender } from '../../../../functions/app/dispatch/feedback';
import { createDispatch } from '../../../../functions/app/dispatch/run';
import { createTenantErasure, requestTenantErasure } from '../../../../functions/app/privacy/erase-tenant';
import { createPrivacy } from '../../../../functions/app/privacy/run';
import type { ActionMessage } from '../../../../functions/contracts/messages';
import { SMS_INDEX_DAYS, smsIndexKey } from '../../../../functions/core/dispatch/feedback';
import { SendRecordItem, sendRecordKey } from '../../../../functions/core/dispatch/send-record';
import type { CanonicalEvent } from '../../../../functions/core/events/schemas';
import { statsKey } from '../../../../functions/core/journeys/items';
import { profileKey } from '../../../../functions/core/profiles/items';
import { liveProfile } from '../../../../functions/core/profiles/markers';
import { type Metrics, ProviderError, type Store } from '../../../../functions/ports';
import { INGEST_SOURCE } from '../../../../functions/routes';
import { busDelivery } from '../../../helpers/events';
import { testTenants } from '../../../helpers/scoring';
import { createProfileUpdater } from '../../../helpers/use-cases';
import { deliveryOf, dispatchWorld, type Provider, T0, tenantId } from './world';

const action = (channel: 'email' | 'sms', n: number, customerId: string): ActionMessage => ({
  key: `${tenantId}:winback:${channel}:${n}`,
  tenantId,
  customerId,
  journeyId: 'winback',
  version: 1,
  instanceId: `i${n}`,
  activity: `${channel}-1`,
  action: { kind: channel, template: `winback-${channel}` },
});

function recordingMetrics(): Metrics & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  return { counts, count: (name, value) => counts.set(name, (counts.get(name) ?? 0) + value) };
}

/** The dispatcher with the SMS sender wrapped as functions/handlers/dispatch.ts wraps it, and provider feedback beside it. */
function feedbackWorld(options: { provider?: Provider; indexStore?: (store: Store) => Store } = {}) {
  const w = dispatchWorld(options.provider ? { provider: options.provider } : {});
  const metrics = recordingMetrics();
  const provider = { send: w.deps.channels.send };
  const channels = createChannels({
    email: provider,
    sms: indexedSmsSender(provider, {
      store: options.indexStore?.(w.store) ?? w.store,
      clock: w.clock,
      log: silentLog,
      metrics,
    }),
  });
  const dispatch = createDispatch({ ...w.deps, channels, metrics });
  const feedback = createProviderFeedback({
    store: w.store,
    bus: w.bus,
    clock: w.clock,
    tenants: w.deps.tenants,
    log: silentLog,
    metrics,
  });

  async function send(message: ActionMessage) {
    await w.customer(message.customerId, (p) => {
      p.traits.phone = { v: '+4915112345678', at: p.firstSeenAt };
    });
    expect(await dispatch({ records: [deliveryOf(message)] })).toEqual({ failedIds: [] });
    return w.recordOf(message);
  }

  /** The canonical events feedback put on the bus. */
  const published = () => w.bus.events.filter((e) => e.source === INGEST_SOURCE).map((e) => e.detail as CanonicalEvent);

  /** The profile function over everything feedback published so far. */
  const profiles = createProfileUpdater({
    store: w.store,
    bus: createMemoryBus(),
    clock: w.clock,
    tenants: testTenants([tenantId]),
  });
  const fold = (events: CanonicalEvent[]) => profiles(events.map((e) => busDelivery(e, w.clock.now())));
  const profileItem = (customerId: string) => w.store.get(profileKey(tenantId, customerId), { consistent: true });
  const consent = async (customerId: string) => liveProfile(await profileItem(customerId))?.profile.consent;

  return { ...w, metrics, dispatch, feedback, send, published, fold, profileItem, consent };
}

/** The SES event record of a message of ours, as the EventBridge event SES puts on the default bus. */
function sesEvent(
  eventType: 'Send' | 'Delivery' | 'Bounce' | 'Complaint' | 'Open' | 'Click',
  message: ActionMessage,
  messageId: string,
  detail: Record<string, unknown> = {},
) {
  const detailTypes = {
    Send: 'Email Sent',
    Delivery: 'Email Delivered',
    Bounce: 'Email Bounced',
    Complaint: 'Email Complaint Received',
    Open: 'Email Opened',
    Click: 'Email Clicked',
  };
  const at = new Date(T0 + 60_000).toISOString();
  const object = {
    Send: 'send',
    Delivery: 'delivery',
    Bounce: 'bounce',
    Complaint: 'complaint',
    Open: 'open',
    Click: 'click',
  };
  return {
    version: '0',
    id: `eb-${eventType}-${messageId}`,
    'detail-type': detailTypes[eventType],
    source: 'aws.ses',
    account: '123456789012',
    time: at,
    region: 'eu-central-1',
    resources: [],
    detail: {
      eventType,
      mail: {
        timestamp: new Date(T0).toISOString(),
        source: 'shop@example.com',
        sendingAccountId: '123456789012',
        messageId,
        destination: [`${message.customerId}@example.com`],
        tags: {
          'ses:configuration-set': ['growthloop-events'],
          tenant: [sesTagValue(message.tenantId)],
          customer: [sesTagValue(message.customerId)],
          action_key: [sesTagValue(message.key)],
        },
      },
      [object[eventType]]: eventType === 'Send' ? {} : { timestamp: at, ...detail },
    },
  };
}

const hardBounce = { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [] };
const softBounce = { bounceType: 'Transient', bounceSubType: 'MailboxFull', bouncedRecipients: [] };
const complaint = { complainedRecipients: [], complaintFeedbackType: 'abuse' };

/** An End User Messaging two-way message as the SNS event the feedback function is invoked with. */
const smsReply = (body: string, previousPublishedMessageId: string, inboundMessageId = 'in-1') => ({
  Records: [
    {
      EventSource: 'aws:sns',
      Sns: {
        Type: 'Notification',
        MessageId: `sns-${inboundMessageId}`,
        Timestamp: new Date(T0 + 3_600_000).toISOString(),
        Message: JSON.stringify({
          originationNumber: '+4915112345678',
          destinationNumber: '+4930123456',
          messageKeyword: 'KEYWORD_123456789012',
          messageBody: body,
          inboundMessageId,
          previousPublishedMessageId,
        }),
      },
    },
  ],
});

describe('SES feedback', () => {
  it('a hard bounce publishes message_bounced and revokes e-mail consent', async () => {
    const w = feedbackWorld();
    const email = action('email', 1, 'ada');
    const record = await w.send(email);
    expect(await w.feedback.receive(sesEvent('Bounce', email, record.providerMessageId ?? '', hardBounce))).toEqual([
      { kind: 'applied', events: 2, settled: false },
    ]);
    const events = w.published();
    expect(events.map((e) => [e.type, e.properties])).toEqual([
      ['message_bounced', { messageId: 'm-1', channel: 'email', journeyId: 'winback', permanent: true }],
      ['consent_changed', { channel: 'email', granted: false }],
    ]);
    expect(events.every((e) => e.tenantId === tenantId && e.customerId === 'ada')).toBe(true);
    await w.fold(events);
    expect((await w.consent('ada'))?.email?.v).toBe(false);
  });

  it('a soft bounce publishes message_bounced and leaves consent alone', async () => {
    const w = feedbackWorld();
    const email = action('email', 1, 'ada');
    await w.send(email);
    await w.feedback.receive(sesEvent('Bounce', email, 'm-1', softBounce));
    expect(w.published().map((e) => [e.type, e.properties])).toEqual([
      ['message_bounced', { messageId: 'm-1', channel: 'email', journeyId: 'winback', permanent: false }],
    ]);
    await w.fold(w.published());
    expect((await w.consent('ada'))?.email).toBeUndefined();
  });

  it('a complaint publishes message_complained and revokes e-mail consent', async () => {
    const w = feedbackWorld();
    const email = action('email', 1, 'ada');
    await w.send(email);
    await w.feedback.receive(sesEvent('Complaint', email, 'm-1', complaint));
    expect(w.published().map((e) => e.type)).toEqual(['message_complained', 'consent_changed']);
    await w.fold(w.published());
    expect((await w.consent('ada'))?.email?.v).toBe(false);
  });

  it('deliveries, opens and clicks become message_delivered, _opened and _clicked', async () => {
    const w = feedbackWorld();
    const email = action('email', 1, 'ada');
    await w.send(email);
    await w.feedback.receive(sesEvent('Delivery', email, 'm-1', { smtpResponse: '250 2.6.0 Message received' }));
    await w.feedback.receive(sesEvent('Open', email, 'm-1', { ipAddress: '192.0.2.1' }));
    await w.feedback.receive(sesEvent('Click', email, 'm-1', { link: 'https://shop.example/cart' }));
    expect(w.published().map((e) => e.type)).toEqual(['message_delivered', 'message_opened', 'message_clicked']);
    expect(w.published()[2]?.properties).toMatchObject({ url: 'https://shop.example/cart' });
  });

  it('feedback on no send of ours, another message, an unknown tenant or an erased customer changes nothing', async () => {
    const w = feedbackWorld();
    const email = action('email', 1, 'ada');
    await w.send(email);
    const outcomes = [
      ...(await w.feedback.receive(sesEvent('Bounce', action('email', 2, 'ada'), 'm-1', hardBounce))),
      ...(await w.feedback.receive(sesEvent('Bounce', email, 'another-message', hardBounce))),
      ...(await w.feedback.receive(sesEvent('Bounce', { ...email, tenantId: 'other' }, 'm-1', hardBounce))),
    ];
    await w.store.delete(sendRecordKey(tenantId, 'ada', email.key));
    outcomes.push(...(await w.feedback.receive(sesEvent('Bounce', email, 'm-1', hardBounce))));
    expect(outcomes.map((o) => o.kind)).toEqual(['ignored', 'ignored', 'ignored', 'ignored']);
    expect(w.published()).toEqual([]);
  });

  it('an unknown send is settled to sent exactly once, however often SES reports the message', async () => {
    // The provider took the message but the call ended unclear: the send is unknown.
    const w = feedbackWorld({
      provider: async () => {
        throw new ProviderError('unknown', 'socket hang up after the request was sent');
      },
    });
    const email = action('email', 1, 'ada');
    expect((await w.send(email)).state).toBe('unknown');
    expect(w.bus.events.filter((e) => e.detailType === 'message.sent')).toEqual([]);

    const delivered = sesEvent('Delivery', email, 'ses-msg-1');
    expect(await w.feedback.receive(delivered)).toEqual([{ kind: 'applied', events: 1, settled: true }]);
    expect(await w.feedback.receive(delivered)).toEqual([{ kind: 'applied', events: 1, settled: false }]);
    expect(await w.feedback.receive(sesEvent('Send', email, 'ses-msg-1'))).toEqual([
      { kind: 'applied', events: 0, settled: false },
    ]);

    const record = await w.recordOf(email);
    expect(record).toMatchObject({
      state: 'sent',
      provider: 'ses',
      providerMessageId: 'ses-msg-1',
      sentAt: new Date(T0).toISOString(),
      published: true,
    });
    const sent = w.bus.events.filter((e) => e.detailType === 'message.sent');
    expect(sent.map((e) => e.detail)).toEqual([
      expect.objectContaining({ key: email.key, providerMessageId: 'ses-msg-1', at: new Date(T0).toISOString() }),
    ]);
    expect((await w.store.get(statsKey(tenantId, 'winback')))?.sent).toBe(1);
    expect(w.metrics.counts.get('SendsSettledByFeedback')).toBe(1);
    // Once settled, the record names the SES message: feedback on another one is not its own.
    expect(await w.feedback.receive(sesEvent('Delivery', email, 'ses-msg-2'))).toMatchObject([{ kind: 'ignored' }]);
  });

  it('a settled send whose outcome was not published yet is published by the next report of it', async () => {
    const w = feedbackWorld({
      provider: async () => {
        throw new ProviderError('unknown', 'timed out');
      },
    });
    const email = action('email', 1, 'ada');
    await w.send(email);
    // Cut off right after the settling write: the outcome never went out.
    w.bus.faults.failNext('bus.put');
    w.bus.faults.failNext('bus.put');
    await w.feedback.receive(sesEvent('Send', email, 'ses-msg-1')).catch(() => undefined);
    await w.feedback.receive(sesEvent('Delivery', email, 'ses-msg-1')).catch(() => undefined);
    expect(SendRecordItem.parse(await w.store.get(sendRecordKey(tenantId, 'ada', email.key)))).toMatchObject({
      state: 'sent',
      published: false,
    });
    expect(w.bus.events.filter((e) => e.detailType === 'message.sent')).toEqual([]);

    await w.feedback.receive(sesEvent('Delivery', email, 'ses-msg-1'));
    await w.feedback.receive(sesEvent('Delivery', email, 'ses-msg-1'));
    expect(w.bus.events.filter((e) => e.detailType === 'message.sent')).toHaveLength(1);
    expect((await w.recordOf(email)).published).toBe(true);
  });

  it('redelivered feedback publishes the same event ids, and the profile fold takes them once', async () => {
    const w = feedbackWorld();
    const email = action('email', 1, 'ada');
    await w.send(email);
    const bounce = sesEvent('Bounce', email, 'm-1', hardBounce);
    await w.feedback.receive(bounce);
    const first = w.published();
    await w.fold(first);
    const folded = await w.profileItem('ada');

    await w.feedback.receive(structuredClone(bounce));
    const again = w.published().slice(first.length);
    expect(again.map((e) => e.eventId)).toEqual(first.map((e) => e.eventId));
    expect(again).toEqual(first);
    await w.fold(again);
    expect((await w.profileItem('ada'))?.version).toBe(folded?.version);
  });
});

describe('SMS replies', () => {
  it('STOP to an SMS growthloop sent revokes SMS consent for its customer', async () => {
    const w = feedbackWorld();
    const sms = action('sms', 1, 'bob');
    const record = await w.send(sms);
    expect(record).toMatchObject({ state: 'sent', providerMessageId: 'm-1' });
    expect(await w.store.get(smsIndexKey('m-1'))).toMatchObject({
      tenantId,
      customerId: 'bob',
      key: sms.key,
      expiresAt: T0 / 1000 + SMS_INDEX_DAYS * 86_400,
    });

    expect(await w.feedback.receive(smsReply('STOP', 'm-1'))).toEqual([{ kind: 'applied', events: 1, settled: false }]);
    expect(w.published()).toEqual([
      {
        tenantId,
        customerId: 'bob',
        eventId: 'sms:optout:in-1',
        occurredAt: new Date(T0 + 3_600_000).toISOString(),
        source: 'sms',
        type: 'consent_changed',
        properties: { channel: 'sms', granted: false },
      },
    ]);
    await w.fold(w.published());
    expect((await w.consent('bob'))?.sms?.v).toBe(false);
  });

  it('退订 and full-width ＳＴＯＰ opt out too; any other reply changes nothing', async () => {
    const w = feedbackWorld();
    await w.send(action('sms', 1, 'bob'));
    await w.feedback.receive(smsReply('退订', 'm-1', 'in-1'));
    await w.feedback.receive(smsReply('ＳＴＯＰ', 'm-1', 'in-2'));
    expect(await w.feedback.receive(smsReply('Is the sale still on?', 'm-1', 'in-3'))).toMatchObject([
      { kind: 'ignored' },
    ]);
    expect(w.published().map((e) => e.eventId)).toEqual(['sms:optout:in-1', 'sms:optout:in-2']);
  });

  it('STOP to an SMS growthloop has no index item for is ignored', async () => {
    const w = feedbackWorld();
    await w.send(action('sms', 1, 'bob'));
    expect(await w.feedback.receive(smsReply('STOP', 'a-message-of-someone-else'))).toEqual([
      { kind: 'ignored', reason: expect.stringContaining('answers no SMS growthloop sent') },
    ]);
    expect(w.published()).toEqual([]);
  });

  it('an SMS whose index item cannot be written is still sent, and the failure is counted', async () => {
    const w = feedbackWorld({
      indexStore: (store) => ({
        ...store,
        put: async () => {
          throw new Error('the table is unavailable');
        },
      }),
    });
    const sms = action('sms', 1, 'bob');
    expect(await w.send(sms)).toMatchObject({ state: 'sent', providerMessageId: 'm-1' });
    expect(w.calls).toHaveLength(1);
    expect(w.bus.events.filter((e) => e.detailType === 'message.sent')).toHaveLength(1);
    expect(w.metrics.counts.get('SmsIndexWriteFailed')).toBe(1);
    expect(await w.store.get(smsIndexKey('m-1'))).toBeUndefined();
  });

  it('an SMS the provider refused leaves no index item', async () => {
    const w = feedbackWorld({
      provider: async () => {
        throw new ProviderError('permanent', 'invalid destination');
      },
    });
    await w.send(action('sms', 1, 'bob'));
    expect(w.store.items().filter((item) => item.pk.startsWith('SMSMSG#'))).toEqual([]);
  });

  it("erasing the customer deletes their SMS index items with their send records, and the tenant's erasure too", async () => {
    const w = feedbackWorld();
    await w.send(action('sms', 1, 'bob'));
    await w.send(action('sms', 2, 'eve'));
    const indexItems = () => w.store.items().filter((item) => item.pk.startsWith('SMSMSG#'));
    expect(indexItems()).toHaveLength(2);
    await createPrivacy({ store: w.store, clock: w.clock }).erase(tenantId, 'bob', 'admin_api');
    expect(indexItems().map((item) => item.customerId)).toEqual(['eve']);
    expect(await w.feedback.receive(smsReply('STOP', 'm-1'))).toMatchObject([{ kind: 'ignored' }]);

    await requestTenantErasure({ store: w.store, clock: w.clock }, tenantId, 'shopify');
    await createTenantErasure({ store: w.store, clock: w.clock, log: silentLog }).run(tenantId);
    expect(indexItems()).toEqual([]);
  });
});
