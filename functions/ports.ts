// What the core and the handlers need from the world. Each port has one contract suite
// (test/contract) that every adapter of it must pass.

/** A DynamoDB item in the single table: partition key `pk`, sort key `sk`. */
export type Item = { pk: string; sk: string; [attribute: string]: unknown };
export type Key = { pk: string; sk: string };

/** Capacity units consumed so far, as DynamoDB reports them (ReturnConsumedCapacity). */
export type Capacity = { read: number; write: number };

/** `ifAbsent`: no item with this key exists. `ifVersion`: the stored item's `version` equals n. */
export type PutCondition = { ifAbsent: true } | { ifVersion: number };

export class ConditionFailedError extends Error {
  /** The item as stored, when the server returns it with the refusal (DynamoDB does; dynalite does not). */
  readonly current?: Item;
  constructor(key: Key, current?: Item) {
    super(`condition failed for ${key.pk} / ${key.sk}`);
    this.name = 'ConditionFailedError';
    this.current = current;
  }
}

/** A page of a long read: `next` is the opaque cursor of the page after it, absent on the last. */
export type Page<T> = { items: T[]; next?: string };

export interface Store {
  get(key: Key, options?: { consistent?: boolean }): Promise<Item | undefined>;
  /** Items that exist, in no particular order. */
  getMany(keys: Key[], options?: { consistent?: boolean }): Promise<Item[]>;
  /** Throws ConditionFailedError when the condition does not hold. */
  put(item: Item, condition?: PutCondition): Promise<void>;
  /** Unconditional puts, any number; retried until every item is written. */
  putMany(items: Item[]): Promise<void>;
  /** Adds strings to a string-set attribute, creating the item if needed: idempotent and commutative. */
  addToSet(key: Key, attribute: string, values: readonly string[]): Promise<void>;
  /**
   * Adds `member` to a string-set attribute unless the set already holds `limit` members, in one
   * atomic write; resolves to whether the set holds it now. Claiming a member again answers true.
   */
  claim(key: Key, attribute: string, member: string, limit: number): Promise<boolean>;
  query(pk: string, options?: { skPrefix?: string; limit?: number; consistent?: boolean }): Promise<Item[]>;
  /** With `ifVersion`, deletes only the item at that version (ConditionFailedError otherwise). */
  delete(key: Key, condition?: { ifVersion: number }): Promise<void>;
  /**
   * Adds to number attributes, creating the item and attributes as needed (counters; not
   * idempotent), and resolves to their values after the addition. With `atMost`, in the same
   * atomic write: when a counter named there would end above its bound, nothing is written and
   * ConditionFailedError is thrown (budgets that concurrent claims never overspend).
   */
  increment(
    key: Key,
    counters: Readonly<Record<string, number>>,
    options?: { atMost?: Readonly<Record<string, number>> },
  ): Promise<Record<string, number>>;
  /** Every item whose partition key starts with `pkPrefix`: reads the whole table, for rare jobs only. */
  scan(pkPrefix: string): Promise<Item[]>;
  /**
   * One page of `scan`: the items of about `limit` table items read (fewer, or none, may match)
   * and the cursor to read on from (`next` absent once the table is read to its end). Items may be
   * deleted between pages; a page read again from the same cursor gives what is left.
   */
  scanPage(pkPrefix: string, options?: { cursor?: string; limit?: number }): Promise<Page<Item>>;
  /**
   * One page of the keys (pk, sk) in the buyer index under `shard`, in no particular order, and the
   * cursor of the next page (absent on the last); eventually consistent.
   */
  buyerKeys(shard: string, options?: { cursor?: string; limit?: number }): Promise<Page<Key>>;
  /**
   * One page of the keys (pk, sk) in the audience index under `shard` whose sort key (`audienceKey`)
   * begins with `prefix`, or lies from `from` to `to` inclusive, in sort-key order, and the cursor of
   * the next page (absent on the last); eventually consistent.
   */
  audienceKeys(
    shard: string,
    range: { prefix: string } | { from: string; to: string },
    options?: { cursor?: string; limit?: number },
  ): Promise<Page<Key>>;
  /**
   * Keys (pk, sk) of the items in the due index under `shard` whose `dueDay` ≤ `upTo`, earliest first,
   * at most `limit`; eventually consistent (an item written just before may be missing or show its
   * previous due day).
   */
  dueKeys(shard: string, options: { upTo: string; limit?: number }): Promise<Key[]>;
  /** Running totals of consumed capacity, for benchmarks and cost reports. */
  readonly consumed: Capacity;
}

/**
 * Per-customer data keys for sealing the personal fields of events (crypto-shredding): each is
 * kept wrapped (by a KMS key in AWS, by the local master key under `npm start`) in the
 * customer's partition, `<tenant>#C#<customerId>` / `KEY`, so erasing the partition deletes it
 * and every sealed copy of the customer's fields becomes unreadable. Keys are 32 bytes (AES-256).
 */
/** A customer's data key that exists but will never open (its item does not decode, its wrapping does not authenticate). */
export class UnreadableDataKeyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnreadableDataKeyError';
  }
}

export interface DataKeys {
  /** The customer's key, created on first use: for sealing at ingest. */
  obtain(tenantId: string, customerId: string): Promise<Uint8Array>;
  /**
   * The customer's key, or undefined when there is none (never created, or erased): for opening.
   * Throws UnreadableDataKeyError when the key is there but cannot be read, ever.
   */
  find(tenantId: string, customerId: string): Promise<Uint8Array | undefined>;
}

export type BusEvent = { source: string; detailType: string; detail: unknown };

export interface Bus {
  /** Resolves once every event is on the bus; throws if any entry could not be put. */
  put(events: BusEvent[]): Promise<void>;
}

export type QueueMessage = { id: string; body: string; receipt: string; receiveCount: number };

export interface Queue {
  send(queue: string, bodies: string[]): Promise<void>;
  /** Hides received messages for the queue's visibility timeout; unacknowledged ones come back. */
  receive(queue: string, options?: { max?: number; waitSeconds?: number }): Promise<QueueMessage[]>;
  ack(queue: string, receipts: string[]): Promise<void>;
  /** Messages that exhausted their receives, without removing them. */
  deadLetters(queue: string, options?: { max?: number }): Promise<QueueMessage[]>;
}

/** A message to deliver to a queue at a time: `id` names it, so setting the same timer again is harmless. */
export type Timer = { id: string; at: number; queue: string; body: string };

export interface Timers {
  /** Delivers each body to its queue at (or soon after) `at`; a time in the past delivers at once. */
  set(timers: readonly Timer[]): Promise<void>;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export type LogFields = Record<string, unknown>;

/**
 * Structured logs: one JSON object a line. Fields name things (tenant, ids, counts, reasons),
 * never personal data (no e-mail, phone, name or address).
 */
export interface Log {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Counters for dashboards and alarms (CloudWatch metrics in embedded metric format, namespace growthloop). */
export interface Metrics {
  count(name: string, value: number, dimensions?: Readonly<Record<string, string>>): void;
}

// ---- identity tokens ----------------------------------------------------------------------------

/** Whose a bearer JWT says it is, before anything of it is checked: its `iss`, and its `aud` values and `client_id`. */
export type TokenIssuer = { issuer: string; audiences: string[] };

/** What a token must be signed and addressed by: the keys at `jwksUri`, its `iss`, and `aud` or `client_id`. */
export type TokenExpectation = { issuer: string; audience: string; jwksUri: string };

/**
 * A token checked: its claims when it verifies; otherwise why not, a sentence for the caller (`unavailable` when
 * the identity provider's keys could not be fetched, which is no fault of the token).
 */
export type TokenCheck =
  | { ok: true; claims: Readonly<Record<string, unknown>> }
  | { ok: false; reason: string; unavailable?: true };

/** JWTs of the tenants' identity providers (Cognito user pools, OIDC issuers), as the admin API takes them. */
export interface IdentityTokens {
  /** Whose the token says it is; undefined when it is no JWT. Nothing is verified: it only finds the tenant. */
  peek(token: string): TokenIssuer | undefined;
  /** Verifies the token's signature, issuer, audience and times, at `now` (epoch ms). */
  verify(token: string, expected: TokenExpectation, now: number): Promise<TokenCheck>;
}

// ---- channels -----------------------------------------------------------------------------------

/** What every outgoing message carries: whose it is and the action key, the provider's correlation. */
type OutgoingBase = { tenantId: string; customerId: string; key: string };

/** One message rendered and addressed, ready for its provider. */
export type OutgoingMessage =
  | (OutgoingBase & {
      channel: 'email';
      to: string;
      from: string;
      subject: string;
      text: string;
      html?: string;
      /** One-click List-Unsubscribe (RFC 8058) target, for marketing mail. */
      unsubscribeUrl?: string;
    })
  | (OutgoingBase & { channel: 'sms'; to: string; body: string; originator?: string })
  | (OutgoingBase & {
      channel: 'push';
      /** The device's platform endpoint (an SNS endpoint ARN in AWS). */
      endpoint: string;
      title?: string;
      body: string;
      data?: Record<string, string>;
    })
  | (OutgoingBase & {
      channel: 'webhook';
      url: string;
      /** The JSON body, as sent: `{type, timestamp, data}` per Standard Webhooks. */
      body: string;
      /** Standard Webhooks signing secrets (`whsec_…`), each signs: two during a rotation. */
      secrets: readonly string[];
    })
  | (OutgoingBase & {
      /** A mini-program subscribe message (subscribeMessage.send). */
      channel: 'wechat_miniprogram';
      /** The customer's openid in the mini-program. */
      to: string;
      templateId: string;
      /** The mini-program page the message opens, with its query. */
      page?: string;
      /** The template's keywords: `{thing1: "…", time2: "…"}`, sent as `{thing1: {value: "…"}}`. */
      data: Record<string, string>;
      /** developer, trial or formal (default formal). */
      state?: 'developer' | 'trial' | 'formal';
      lang?: 'zh_CN' | 'en_US' | 'zh_HK' | 'zh_TW';
    })
  | (OutgoingBase & {
      /** An official-account template message (message/template/send). */
      channel: 'wechat_oa';
      /** The customer's openid in the official account. */
      to: string;
      templateId: string;
      url?: string;
      /** The mini-program the message opens instead of `url` (when WeChat can). */
      miniprogram?: { appid: string; pagepath?: string };
      data: Record<string, string>;
    })
  | (OutgoingBase & {
      /** A WeCom customer-contact message (externalcontact/add_msg_template, chat_type single). */
      channel: 'wecom';
      /** The customer's external_userid. */
      to: string;
      /** The member (userid) who sends it; any member the customer added when absent. */
      sender?: string;
      text: string;
    });

export type ChannelName = OutgoingMessage['channel'];

/** What a provider answered for a message it took. */
export type SendReceipt = { provider: string; providerMessageId: string };

/**
 * Why a provider did not take a message, as the dispatcher acts on it:
 * - `throttled`: try again later (Retry-After honoured when given), never counted as failed;
 * - `transient`: a 5xx or a network error before the request left: retried with backoff;
 * - `permanent`: a 4xx, a refused address: not retried;
 * - `gone`: the endpoint is no more (HTTP 410, a disabled push endpoint): not retried, and disabled;
 * - `unknown`: the provider may have taken it (a timeout after the request was sent): never sent again blindly.
 */
export type ProviderFailure = 'throttled' | 'transient' | 'permanent' | 'gone' | 'unknown';

export class ProviderError extends Error {
  readonly failure: ProviderFailure;
  /** How long the provider asked to wait (Retry-After), when it said. */
  readonly retryAfterMs?: number;
  /**
   * The recipient refused the channel (a WeChat user who declined or used up a subscription, or unfollowed):
   * with a 'permanent' failure, the dispatcher revokes the customer's consent to the message's channel.
   */
  readonly revokesConsent?: boolean;
  constructor(
    failure: ProviderFailure,
    message: string,
    options: { retryAfterMs?: number; cause?: unknown; revokesConsent?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ProviderError';
    this.failure = failure;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.revokesConsent) this.revokesConsent = true;
  }
}

/** Providers, one per channel. A send throws ProviderError when the provider did not take the message. */
export interface Channels {
  send(message: OutgoingMessage): Promise<SendReceipt>;
}
