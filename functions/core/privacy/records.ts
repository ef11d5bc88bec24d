import { randomUUID } from 'node:crypto';
import type { Item, Key } from '../../ports';
import { sha256 } from '../config/tenants';

// What erasure and export leave behind: a tombstone and an audit entry, both naming the
// customer only by a hash, so no item holds an erased customer's id.

export type PrivacyAction = 'erase' | 'erase_tenant' | 'export';
export type Requester = 'admin_api' | 'shopify';

const subjectHash = (tenantId: string, customerId: string) => sha256(`${tenantId}:${customerId}`);

export const tombstoneKey = (tenantId: string, customerId: string): Key => ({
  pk: `${tenantId}#ERASED#${subjectHash(tenantId, customerId)}`,
  sk: 'TOMBSTONE',
});

/** Events of the customer that occurred up to `erasedAt` are dropped if they arrive later (redeliveries). */
export const tombstoneItem = (tenantId: string, customerId: string, now: number): Item => ({
  ...tombstoneKey(tenantId, customerId),
  erasedAt: new Date(now).toISOString(),
});

export const auditPk = (tenantId: string): string => `${tenantId}#AUDIT`;

export const auditItem = (
  tenantId: string,
  action: PrivacyAction,
  customerId: string,
  requestedBy: Requester,
  now: number,
  detail: Record<string, number | string> = {},
): Item => {
  const at = new Date(now).toISOString();
  return {
    pk: auditPk(tenantId),
    sk: `${at}#${randomUUID()}`,
    action,
    subjectSha256: subjectHash(tenantId, customerId),
    requestedBy,
    at,
    ...detail,
  };
};
