// Provider feedback as AWS documents it: SES event records ("Examples of event data that Amazon SES
// publishes to Amazon SNS"; the same record is the `detail` of the EventBridge event) and End User
// Messaging SMS two-way messages ("Example of a two-way SMS message payload for Amazon SNS topics").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emailFeedbackEvents,
  isSmsOptOut,
  parseSesEventBridge,
  parseSesRecord,
  parseSmsInbound,
  parseSnsRecord,
  readSmsIndexItem,
  SES_DETAIL_TYPES,
  SMS_INDEX_DAYS,
  smsIndexItem,
  smsIndexKey,
} from '../../../../functions/core/dispatch/feedback';
import {
  fromSesTagValue,
  SES_TAG_CUSTOMER,
  SES_TAG_KEY,
  SES_TAG_TENANT,
  sesTagValue,
} from '../../../../functions/core/dispatch/ses-tags';
import { CanonicalEventInput } from '../../../../functions/core/events/schemas';

const MESSAGE_ID = 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000';
const SENT_AT = '2017-08-05T00:40:02.012Z';
const ACTION_KEY = 'acme#campaign:recall-7#c-9';

/** The tags SES lists on a record of mail sent through a configuration set, with the sender's own. */
function sesTags(ours: Record<string, string> = { tenant: 'acme', customer: 'c-9', key: ACTION_KEY }) {
  return {
    'ses:configuration-set': ['growthloop-events'],
    'ses:source-ip': ['192.0.2.0'],
    'ses:from-domain': ['example.com'],
    'ses:caller-identity': ['ses_user'],
    ...(ours.tenant !== undefined ? { [SES_TAG_TENANT]: [sesTagValue(ours.tenant)] } : {}),
    ...(ours.customer !== undefined ? { [SES_TAG_CUSTOMER]: [sesTagValue(ours.customer)] } : {}),
    ...(ours.key !== undefined ? { [SES_TAG_KEY]: [sesTagValue(ours.key)] } : {}),
  };
}

function mail(tags: unknown = sesTags()) {
  return {
    timestamp: SENT_AT,
    source: 'Sender Name <sender@example.com>',
    sourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/sender@example.com',
    sendingAccountId: '123456789012',
    messageId: MESSAGE_ID,
    destination: ['recipient@example.com'],
    headersTruncated: false,
    headers: [
      { name: 'From', value: 'Sender Name <sender@example.com>' },
      { name: 'To', value: 'recipient@example.com' },
      { name: 'Subject', value: 'Message sent from Amazon SES' },
    ],
    commonHeaders: {
      from: ['Sender Name <sender@example.com>'],
      to: ['recipient@example.com'],
      messageId: MESSAGE_ID,
      subject: 'Message sent from Amazon SES',
    },
    tags,
  };
}

const records = {
  hardBounce: () => ({
    eventType: 'Bounce',
    bounce: {
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [
        {
          emailAddress: 'recipient@example.com',
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 user unknown',
        },
      ],
      timestamp: '2017-08-05T00:41:02.669Z',
      feedbackId: '01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000',
      reportingMTA: 'dsn; mta.example.com',
    },
    mail: mail(),
  }),
  softBounce: () => ({
    eventType: 'Bounce',
    bounce: {
      bounceType: 'Transient',
      bounceSubType: 'MailboxFull',
      bouncedRecipients: [
        { emailAddress: 'recipient@example.com', action: 'failed', status: '4.2.2', diagnosticCode: 'smtp; 452 4.2.2' },
      ],
      timestamp: '2017-08-05T00:41:03.000Z',
      feedbackId: '01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000001',
      reportingMTA: 'dsn; mta.example.com',
    },
    mail: mail(),
  }),
  complaint: () => ({
    eventType: 'Complaint',
    complaint: {
      complainedRecipients: [{ emailAddress: 'recipient@example.com' }],
      timestamp: '2017-08-05T00:41:02.669Z',
      feedbackId: '01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000',
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36',
      complaintFeedbackType: 'abuse',
      arrivalDate: '2017-08-05T00:41:02.669Z',
    },
    mail: mail(),
  }),
  delivery: () => ({
    eventType: 'Delivery',
    mail: mail(),
    delivery: {
      timestamp: '2016-10-19T23:21:04.133Z',
      processingTimeMillis: 11893,
      recipients: ['recipient@example.com'],
      smtpResponse: '250 2.6.0 Message received',
      reportingMTA: 'mta.example.com',
    },
  }),
  send: () => ({ eventType: 'Send', mail: mail(), send: {} }),
  open: () => ({
    eventType: 'Open',
    mail: mail(),
    open: {
      ipAddress: '192.0.2.1',
      timestamp: '2017-08-09T22:00:19.652Z',
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_3 like Mac OS X) AppleWebKit/603.3.8',
    },
  }),
  click: () => ({
    eventType: 'Click',
    click: {
      ipAddress: '192.0.2.1',
      link: 'https://shop.example/cart?utm_source=growthloop',
      linkTags: { samplekey0: ['samplevalue0'] },
      timestamp: '2017-08-09T23:51:25.570Z',
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36',
    },
    mail: mail(),
  }),
};

/** The SNS notification of a record, as Lambda receives it from the topic. */
const snsRecord = (message: unknown, timestamp = '2017-08-05T00:41:03.100Z') => ({
  EventSource: 'aws:sns',
  EventVersion: '1.0',
  EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:growthloop-dev-sms-inbound:0b1c',
  Sns: {
    Type: 'Notification',
    MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:growthloop-dev-sms-inbound',
    Subject: null,
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: timestamp,
    SignatureVersion: '1',
    MessageAttributes: {},
  },
});

/** The EventBridge event SES puts on the default bus for a record. */
const eventBridge = (detailType: string, detail: unknown) => ({
  version: '0',
  id: 'f1b3e2a4-5c6d-7e8f-9a0b-1c2d3e4f5a6b',
  'detail-type': detailType,
  source: 'aws.ses',
  account: '123456789012',
  time: '2017-08-05T00:41:04Z',
  region: 'us-east-1',
  resources: ['arn:aws:ses:us-east-1:123456789012:configuration-set/growthloop-events'],
  detail,
});

const ours = { channel: 'email', tenantId: 'acme', customerId: 'c-9', actionKey: ACTION_KEY } as const;

describe('SES event records', () => {
  it('read a hard bounce from an SNS notification as permanent, at the bounce time', () => {
    expect(parseSnsRecord(snsRecord(records.hardBounce()))).toEqual({
      ok: true,
      fact: {
        ...ours,
        providerMessageId: MESSAGE_ID,
        kind: 'bounced',
        permanent: true,
        at: '2017-08-05T00:41:02.669Z',
        sentAt: SENT_AT,
      },
    });
  });

  it('read a transient bounce as a soft one', () => {
    const parsed = parseSnsRecord(snsRecord(records.softBounce()));
    expect(parsed).toMatchObject({ ok: true, fact: { kind: 'bounced', permanent: false } });
  });

  it('read a complaint, a delivery, an open and a click from EventBridge events', () => {
    const cases = [
      ['Email Complaint Received', records.complaint(), 'complained', '2017-08-05T00:41:02.669Z'],
      ['Email Delivered', records.delivery(), 'delivered', '2016-10-19T23:21:04.133Z'],
      ['Email Opened', records.open(), 'opened', '2017-08-09T22:00:19.652Z'],
      ['Email Clicked', records.click(), 'clicked', '2017-08-09T23:51:25.570Z'],
    ] as const;
    for (const [detailType, record, kind, at] of cases) {
      const parsed = parseSesEventBridge(eventBridge(detailType, record), { configurationSet: 'growthloop-events' });
      expect(parsed, detailType).toMatchObject({ ok: true, fact: { ...ours, kind, at, permanent: false } });
    }
    expect(parseSesEventBridge(eventBridge('Email Clicked', records.click()))).toMatchObject({
      fact: { url: 'https://shop.example/cart?utm_source=growthloop' },
    });
  });

  it('date a send, whose send object is empty, when SES accepted the mail', () => {
    expect(parseSesEventBridge(eventBridge('Email Sent', records.send()))).toMatchObject({
      ok: true,
      fact: { kind: 'sent', at: SENT_AT, sentAt: SENT_AT },
    });
  });

  it('take the event type from the detail-type when the detail has none, and refuse one that disagrees', () => {
    const { eventType: _, ...detail } = records.delivery();
    expect(parseSesEventBridge(eventBridge('Email Delivered', detail))).toMatchObject({ fact: { kind: 'delivered' } });
    expect(parseSesEventBridge(eventBridge('Email Bounced', records.delivery()))).toEqual({
      ok: false,
      reason: expect.stringContaining('disagree'),
    });
  });

  it('are read the same from EventBridge and from SNS', () => {
    for (const [detailType, eventType] of SES_DETAIL_TYPES) {
      const record = Object.values(records)
        .map((make) => make())
        .find((r) => r.eventType === eventType);
      expect(record, eventType).toBeDefined();
      expect(parseSesEventBridge(eventBridge(detailType, record)), eventType).toEqual(
        parseSnsRecord(snsRecord(record)),
      );
    }
  });

  it('of mail growthloop did not send are foreign, with the reason', () => {
    const foreign: [string, unknown][] = [
      ['no tags (identity notification)', { ...records.hardBounce(), mail: { ...mail(), tags: undefined } }],
      ['no tenant tag', { ...records.delivery(), mail: mail(sesTags({ customer: 'c-9', key: ACTION_KEY })) }],
      ['no customer tag', { ...records.delivery(), mail: mail(sesTags({ tenant: 'acme', key: ACTION_KEY })) }],
      [
        'tags of another sender',
        { ...records.delivery(), mail: mail({ ...sesTags(), [SES_TAG_TENANT]: ['acme_'], [SES_TAG_KEY]: ['x'] }) },
      ],
      ['a tag value that is not a list', { ...records.delivery(), mail: mail({ ...sesTags(), tenant: 'acme' }) }],
      ['a hashed (overlong) key tag', { ...records.delivery(), mail: mail(sesTags({ ...tagsOf('k'.repeat(300)) })) }],
    ];
    for (const [name, record] of foreign) {
      const parsed = parseSesRecord(record);
      expect(parsed, name).toEqual({ ok: false, reason: expect.stringMatching(/not sent by growthloop/) });
    }
    expect(parseSesRecord(records.delivery(), { configurationSet: 'another-set' })).toEqual({
      ok: false,
      reason: 'SES event record is of another configuration set',
    });
  });

  it('of events growthloop does not act on are refused, with the reason', () => {
    for (const eventType of ['Reject', 'Rendering Failure', 'DeliveryDelay', 'Subscription', 'bounce', '']) {
      const parsed = parseSesRecord({ ...records.delivery(), eventType });
      expect(parsed, eventType).toEqual({ ok: false, reason: expect.stringContaining('none growthloop acts on') });
    }
    expect(parseSesEventBridge(eventBridge('Email Rejected', { ...records.delivery(), eventType: 'Reject' }))).toEqual({
      ok: false,
      reason: expect.stringContaining('no SES sending event growthloop acts on'),
    });
    expect(parseSesEventBridge({ ...eventBridge('Email Delivered', records.delivery()), source: 'shopify' })).toEqual({
      ok: false,
      reason: 'EventBridge event is not from aws.ses',
    });
  });

  it('that are malformed or hostile give a reason, never a throw', () => {
    const bad: [string, unknown][] = [
      ['no mail', { eventType: 'Delivery', delivery: {} }],
      ['an overlong messageId', { ...records.delivery(), mail: { ...mail(), messageId: 'm'.repeat(10_000) } }],
      ['a messageId that is a number', { ...records.delivery(), mail: { ...mail(), messageId: 42 } }],
      ['no mail timestamp', { ...records.delivery(), mail: { ...mail(), timestamp: 'yesterday' } }],
      ['an impossible date', { ...records.delivery(), mail: { ...mail(), timestamp: '2017-13-45T99:99:99Z' } }],
      ['tags as a list', { ...records.delivery(), mail: mail([['tenant', 'acme']]) }],
      ['a prototype key', JSON.parse('{"__proto__": {"eventType": "Bounce", "mail": {}}, "eventType": "Bounce"}')],
    ];
    for (const [name, record] of bad) {
      const parsed = parseSesRecord(record);
      expect(parsed.ok, name).toBe(false);
      expect(parsed.ok ? '' : parsed.reason, name).not.toBe('');
    }
    // A bounce time that is no time falls back to the mail's, a bounceType that is not Permanent is soft.
    const odd = records.hardBounce();
    expect(
      parseSesRecord({ ...odd, bounce: { ...odd.bounce, timestamp: { $gt: '' }, bounceType: ['Permanent'] } }),
    ).toMatchObject({ ok: true, fact: { at: SENT_AT, permanent: false } });
    for (const input of [null, undefined, 42, 'Bounce', [], [records.hardBounce()], { Sns: null }, { Sns: {} }]) {
      expect(parseSesRecord(input).ok).toBe(false);
      expect(parseSesEventBridge(input).ok).toBe(false);
      expect(parseSnsRecord(input).ok).toBe(false);
    }
    expect(parseSnsRecord(snsRecord('{"eventType": "Bounce", '))).toEqual({
      ok: false,
      reason: 'SNS Message is not JSON',
    });
    expect(parseSnsRecord(snsRecord('[1, 2]'))).toEqual({ ok: false, reason: 'SNS Message is not a JSON object' });
  });

  it('never throw on any JSON, wherever it is put', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        for (const input of [
          value,
          { ...records.delivery(), delivery: value },
          { ...records.delivery(), mail: { ...mail(), tags: value } },
          eventBridge('Email Delivered', value),
          snsRecord(JSON.stringify(value) ?? 'null'),
        ]) {
          parseSesRecord(input);
          parseSesEventBridge(input);
          parseSnsRecord(input);
        }
      }),
    );
  });
});

function tagsOf(key: string) {
  return { tenant: 'acme', customer: 'c-9', key };
}

describe('SES tag values', () => {
  it('decode what sesTagValue encoded, any text, while it fits a tag; hashed ones do not decode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 120 }), (value) => {
        const tag = sesTagValue(value);
        const fits = tag.length <= 256 && !tag.startsWith('_h');
        expect(fromSesTagValue(tag)).toBe(fits ? value : undefined);
      }),
    );
    for (const value of ['acme', 'acme#campaign:recall-7#c-9', '顾客-42', 'a_b', 'Ünïcødé 🎉']) {
      expect(fromSesTagValue(sesTagValue(value))).toBe(value);
    }
  });

  it('refuse tags sesTagValue would not have made', () => {
    for (const tag of ['', '_41', '_6', '_zz', '_FF', 'a b', 'a.b', `_h${'0'.repeat(64)}`, 'x'.repeat(257)]) {
      expect(fromSesTagValue(tag), tag).toBeUndefined();
    }
  });
});

/** The documented two-way payload, with the reply's body. */
const inbound = (messageBody: unknown, more: Record<string, unknown> = {}) => ({
  originationNumber: '+14255550182',
  destinationNumber: '+12125550101',
  messageKeyword: 'KEYWORD_123456789012',
  messageBody,
  inboundMessageId: 'cae173d2-66b9-564c-8309-21f858e9fb84',
  previousPublishedMessageId: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  ...more,
});

describe('SMS replies', () => {
  it.each([
    ['STOP', 'STOP'],
    ['stop', 'STOP'],
    ['ＳＴＯＰ', 'STOP'],
    [' Stop. ', 'STOP'],
    ['退订', '退订'],
    ['退订。', '退订'],
    ['TD', 'TD'],
    ['td', 'TD'],
    ['ＴＤ', 'TD'],
    ['UNSUBSCRIBE', 'UNSUBSCRIBE'],
  ])('%j opts out', (body, keyword) => {
    expect(isSmsOptOut(body)).toBe(true);
    expect(parseSnsRecord(snsRecord(inbound(body), '2026-06-01T10:00:00.000Z'))).toEqual({
      ok: true,
      fact: {
        channel: 'sms',
        inboundMessageId: 'cae173d2-66b9-564c-8309-21f858e9fb84',
        previousPublishedMessageId: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        keyword,
        at: '2026-06-01T10:00:00.000Z',
      },
    });
  });

  it.each(['EXAMPLE', 'JOIN', 'YES', 'STOPPED', 'stop sending me deals', 'TDD', '退订了吗', '', '   ', 'S T O P!?x'])(
    '%j does not opt out',
    (body) => {
      expect(isSmsOptOut(body)).toBe(false);
      expect(parseSnsRecord(snsRecord(inbound(body)))).toEqual({
        ok: false,
        reason: 'the SMS reply is no opt-out keyword',
      });
    },
  );

  it("keep no phone number in what they say: not the customer's, not ours", () => {
    const parsed = parseSmsInbound(inbound('STOP'));
    expect(JSON.stringify(parsed)).not.toMatch(/\+1425|\+1212/);
  });

  it('that are malformed or hostile give a reason, never a throw', () => {
    const bad: unknown[] = [
      null,
      [],
      'STOP',
      inbound(42),
      inbound(['STOP']),
      inbound('STOP', { inboundMessageId: undefined }),
      inbound('STOP', { inboundMessageId: 'i'.repeat(500) }),
      inbound('STOP', { originationNumber: undefined }),
      inbound(`STOP${' '.repeat(10_000)}`),
    ];
    for (const message of bad) expect(parseSmsInbound(message).ok).toBe(false);
    // An answer to nothing (or to an id no SMS of ours could have) still parses: whose it is, the index says.
    const unanswered = parseSmsInbound(inbound('STOP', { previousPublishedMessageId: 'p'.repeat(500) }));
    expect(unanswered.ok && Object.hasOwn(unanswered.fact, 'previousPublishedMessageId')).toBe(false);
    expect(unanswered.ok).toBe(true);
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        parseSmsInbound(value);
        parseSmsInbound(inbound(value));
        parseSnsRecord(snsRecord(inbound(value)));
      }),
    );
  });
});

describe('the SMS index', () => {
  it('keys an SMS by its provider message id alone, expiring after the index days, and reads back whose it is', () => {
    const now = Date.parse('2026-06-01T10:00:00Z');
    const item = smsIndexItem({ tenantId: 'acme', customerId: 'c-9', key: ACTION_KEY }, 'msg-1', now);
    expect(item).toEqual({
      pk: 'SMSMSG#msg-1',
      sk: 'SEND',
      tenantId: 'acme',
      customerId: 'c-9',
      key: ACTION_KEY,
      expiresAt: now / 1000 + SMS_INDEX_DAYS * 86_400,
    });
    expect(smsIndexKey('msg-1')).toEqual({ pk: item.pk, sk: item.sk });
    expect(readSmsIndexItem(item)).toEqual({ tenantId: 'acme', customerId: 'c-9', key: ACTION_KEY });
    for (const junk of [undefined, null, { pk: 'SMSMSG#x', sk: 'SEND', tenantId: 'acme' }, { ...item, key: 7 }])
      expect(readSmsIndexItem(junk)).toBeUndefined();
  });
});

describe('the canonical events of SES feedback', () => {
  const fact = (record: unknown) => {
    const parsed = parseSesRecord(record);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.fact;
  };

  it('are valid events with ids from the message id, and a hard bounce or a complaint revokes e-mail', () => {
    const cases = [
      [records.send(), []],
      [records.delivery(), ['message_delivered']],
      [records.open(), ['message_opened']],
      [records.click(), ['message_clicked']],
      [records.softBounce(), ['message_bounced']],
      [records.hardBounce(), ['message_bounced', 'consent_changed']],
      [records.complaint(), ['message_complained', 'consent_changed']],
    ] as const;
    for (const [record, types] of cases) {
      const events = emailFeedbackEvents(fact(record), { journeyId: 'recall' });
      expect(
        events.map((e) => e.type),
        record.eventType,
      ).toEqual(types);
      for (const event of events) {
        expect(CanonicalEventInput.safeParse(event).success, event.eventId).toBe(true);
        expect(event.eventId).toContain(MESSAGE_ID);
        expect(event).toMatchObject({ tenantId: 'acme', customerId: 'c-9', source: 'ses' });
      }
      // The same record again: the same events.
      expect(emailFeedbackEvents(fact(record), { journeyId: 'recall' })).toEqual(events);
    }
    const [, consent] = emailFeedbackEvents(fact(records.hardBounce()), {});
    expect(consent?.properties).toEqual({ channel: 'email', granted: false });
  });
});
