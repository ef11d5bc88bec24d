// Provider feedback: SES events and SMS replies become canonical events for the customer they are
// about (message_delivered, _opened, _clicked, _bounced, _complained; consent_changed when a hard
// bounce, a complaint or an SMS opt-out revokes a channel), and a send left `unknown` that SES
// proves it had is settled to `sent`, its outcome published once.
//
// Redeliveries are harmless: every event id comes from the provider's ids, so the profile fold
// takes each once, and unknown → sent is a versioned conditional write that happens once.
import {
  type EmailFeedback,
  emailFeedbackEvents,
  type Feedback,
  type Parsed,
  parseSesEventBridge,
  parseSnsRecord,
  readSmsIndexItem,
  type SmsOptOut,
  smsIndexItem,
  smsIndexKey,
  smsOptOutEvent,
} from '../../core/dispatch/feedback';
import { type SendRecord, SendRecordItem, sendRecordKey, toSent } from '../../core/dispatch/send-record';
import type { Item, OutgoingMessage, SendReceipt } from '../../ports';
import type { AppPorts } from '../common/ports';
import { writeVersioned } from '../common/versioned-write';
import { publishEvents } from '../ingest/publish';
import { publishOutcome } from './outcomes';

export type ProviderFeedbackDeps = Pick<AppPorts, 'store' | 'bus' | 'clock' | 'tenants' | 'log' | 'metrics'> & {
  /** The SES configuration set our mail goes out with: SES records of another one are foreign. */
  sesConfigurationSet?: string;
};

/** What came of one piece of feedback: its events published (and its send settled), or why it was ignored. */
export type FeedbackOutcome =
  | { kind: 'applied'; events: number; settled: boolean }
  | { kind: 'ignored'; reason: string };

const ignored = (reason: string): FeedbackOutcome => ({ kind: 'ignored', reason });

/** The e-mail provider named on a settled send record (the SES sender's SES_PROVIDER). */
const SES_PROVIDER = 'ses';

export function createProviderFeedback(deps: ProviderFeedbackDeps) {
  const { store, clock, log } = deps;
  const publish = (events: Parameters<typeof publishEvents>[1]) => publishEvents(deps, events);

  async function readRecord(tenantId: string, customerId: string, key: string): Promise<SendRecord | undefined> {
    const parsed = SendRecordItem.safeParse(
      await store.get(sendRecordKey(tenantId, customerId, key), { consistent: true }),
    );
    return parsed.success ? parsed.data : undefined;
  }

  /**
   * An `unknown` send (or a `sending` one whose worker's lease ran out) that SES proves it had, written as sent;
   * undefined when it is not (any more) one of those. A send still in the dispatcher's hands is left to it.
   */
  async function settle(record: SendRecord, fact: EmailFeedback): Promise<SendRecord | undefined> {
    const now = clock.now();
    const unsettled = (r: SendRecord) =>
      r.state === 'unknown' || (r.state === 'sending' && Date.parse(r.leaseUntil ?? '') <= now);
    if (!unsettled(record)) return undefined;
    const { result } = await writeVersioned(store, {
      key: sendRecordKey(record.tenantId, record.customerId, record.key),
      first: record as Item,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      decide(current) {
        const stored = SendRecordItem.safeParse(current);
        if (!stored.success || !unsettled(stored.data)) return { result: undefined };
        const sent: SendRecord = {
          ...toSent(stored.data, now, { provider: SES_PROVIDER, providerMessageId: fact.providerMessageId }),
          sentAt: fact.sentAt,
          settledBy: 'feedback',
        };
        return { write: sent as Item, result: sent };
      },
    });
    return result;
  }

  async function email(fact: EmailFeedback): Promise<FeedbackOutcome> {
    if (!(await deps.tenants.byId(fact.tenantId))) return ignored('the SES record names an unknown tenant');
    // No record: not ours, or the customer was erased (the record goes with their partition) and stays so.
    const record = await readRecord(fact.tenantId, fact.customerId, fact.actionKey);
    if (!record) return ignored('no send record for the SES record');
    if (record.channel !== 'email') return ignored('the send record is not an e-mail');
    if (record.providerMessageId !== undefined && record.providerMessageId !== fact.providerMessageId)
      return ignored('the send record names another SES message');

    const events = emailFeedbackEvents(fact, record.journeyId !== undefined ? { journeyId: record.journeyId } : {});
    await publish(events);

    const settled = await settle(record, fact);
    // A send settled by an earlier delivery of this feedback that was cut off before its outcome went out.
    const due = settled ?? (record.settledBy === 'feedback' && record.published === false ? record : undefined);
    if (due) await publishOutcome(deps, due);
    if (settled) {
      deps.metrics?.count('SendsSettledByFeedback', 1);
      log.info('an unknown send was settled by provider feedback', { tenantId: record.tenantId, kind: fact.kind });
    }
    deps.metrics?.count('FeedbackApplied', 1, { channel: 'email', kind: fact.kind });
    return { kind: 'applied', events: events.length, settled: settled !== undefined };
  }

  async function smsOptOut(fact: SmsOptOut): Promise<FeedbackOutcome> {
    if (!fact.previousPublishedMessageId) return ignored('the SMS reply answers no message');
    const owner = readSmsIndexItem(await store.get(smsIndexKey(fact.previousPublishedMessageId), { consistent: true }));
    if (!owner) return ignored('the SMS reply answers no SMS growthloop sent (or its index item expired)');
    if (!(await deps.tenants.byId(owner.tenantId))) return ignored('the SMS index item names an unknown tenant');
    // The send record lives in the customer's partition: gone, the customer was erased and stays so.
    if (!(await readRecord(owner.tenantId, owner.customerId, owner.key)))
      return ignored('the SMS reply answers a send that no longer exists');
    await publish([smsOptOutEvent(fact, owner, new Date(clock.now()).toISOString())]);
    deps.metrics?.count('FeedbackApplied', 1, { channel: 'sms', kind: 'opt_out' });
    return { kind: 'applied', events: 1, settled: false };
  }

  const apply = (fact: Feedback): Promise<FeedbackOutcome> =>
    fact.channel === 'email' ? email(fact) : smsOptOut(fact);

  async function applyParsed(parsed: Parsed<Feedback>): Promise<FeedbackOutcome> {
    if (parsed.ok) return apply(parsed.fact);
    log.info('provider feedback ignored', { reason: parsed.reason });
    return ignored(parsed.reason);
  }

  const options = deps.sesConfigurationSet !== undefined ? { configurationSet: deps.sesConfigurationSet } : {};

  /**
   * Feedback as the function receives it: an EventBridge event from SES, or an SNS event (`Records`) of SES
   * event records and SMS two-way messages. One outcome per event or record, in order.
   */
  async function receive(input: unknown): Promise<FeedbackOutcome[]> {
    const records = (input as { Records?: unknown } | null)?.Records;
    if (!Array.isArray(records)) return [await applyParsed(parseSesEventBridge(input, options))];
    const outcomes: FeedbackOutcome[] = [];
    for (const record of records) outcomes.push(await applyParsed(parseSnsRecord(record, options)));
    return outcomes;
  }

  return { apply, receive };
}

type SmsMessage = Extract<OutgoingMessage, { channel: 'sms' }>;
type SmsSender = { send(message: SmsMessage): Promise<SendReceipt> };

/**
 * The SMS sender, leaving for each message the provider took the index item an opt-out reply is traced back
 * by. The message is sent whatever happens to the index: a failed write is logged and counted, never a failed send.
 */
export function indexedSmsSender(
  sender: SmsSender,
  deps: Pick<AppPorts, 'store' | 'clock'> & Partial<Pick<AppPorts, 'log' | 'metrics'>>,
): SmsSender {
  return {
    async send(message) {
      const receipt = await sender.send(message);
      try {
        await deps.store.put(smsIndexItem(message, receipt.providerMessageId, deps.clock.now()));
      } catch (e) {
        deps.log?.warn('the SMS index item could not be written; a reply to this SMS will not be traced', {
          tenantId: message.tenantId,
          reason: (e as Error).message,
        });
        deps.metrics?.count('SmsIndexWriteFailed', 1);
      }
      return receipt;
    },
  };
}
