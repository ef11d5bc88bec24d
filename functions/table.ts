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
} as const;
