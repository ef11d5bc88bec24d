// The one table design, read by the CDK stack and by the local runtime (docs/data-model.md).
export const table = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds after which DynamoDB's TTL deletes the item. */
  ttlAttribute: 'expiresAt',
  /**
   * Global secondary index of the items due at some time. Only those items carry `dueShard`
   * (e.g. `<tenant>#DUE#<n>`) and `dueDay` (an ISO date, `YYYY-MM-DD`), so the index is sparse;
   * it projects the keys only (KEYS_ONLY).
   */
  dueIndex: { name: 'due', partitionKey: 'dueShard', sortKey: 'dueDay' },
  /**
   * Global secondary index of the profiles of buyers (customers with an order), which the model fit
   * reads a tenant's buyers from. Only those profile items carry `buyerShard` (`<tenant>#BUY#<n>`),
   * so the index is sparse; it projects the keys only (KEYS_ONLY): its entry never changes while the
   * customer stays a buyer, so a profile write costs the index nothing.
   */
  buyerIndex: { name: 'buyers', partitionKey: 'buyerShard' },
  /**
   * Global secondary index of the profiles by lifecycle stage, which a campaign run reads its
   * candidates from. Only profiles with a stage carry `audienceShard` (`<tenant>#AUD#<n>`) and
   * `audienceKey` (`<stage>#<next stage or ->#<day of the next due time or ->`,
   * functions/core/profiles/audience-index.ts), so the index is sparse; it projects the keys only
   * (KEYS_ONLY).
   */
  audienceIndex: { name: 'audience', partitionKey: 'audienceShard', sortKey: 'audienceKey' },
} as const;
