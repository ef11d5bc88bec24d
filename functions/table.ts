// The one table design, read by the CDK stack and by the local runtime (docs/data-model.md).
export const table = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds after which DynamoDB's TTL deletes the item. */
  ttlAttribute: 'expiresAt',
} as const;
