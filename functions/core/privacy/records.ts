import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Item, Key } from '../../ports';
import { sha256 } from '../config/tenants';
import { decodeItem, ItemKey } from '../stored-item';

// What erasure and export leave behind: a tombstone and an audit entry, both naming the
// customer only by a hash, so no item holds an erased customer's id.

export const PRIVACY_ACTIONS = ['erase', 'erase_tenant', 'export'] as const;
export type PrivacyAction = (typeof PRIVACY_ACTIONS)[number];
export const REQUESTERS = ['admin_api', 'shopify'] as const;
export type Requester = (typeof REQUESTERS)[number];

const subjectHash = (tenantId: string, customerId: string) => sha256(`${tenantId}:${customerId}`);

export const tombstoneKey = (tenantId: string, customerId: string): Key => ({
  pk: `${tenantId}#ERASED#${subjectHash(tenantId, customerId)}`,
  sk: 'TOMBSTONE',
});

/**
 * Events of the customer received or dated up to `erasedAt` are dropped whenever they arrive
 * (redeliveries, retries, late reports): what the customer did before the erasure stays erased.
 */
export const tombstoneItem = (tenantId: string, customerId: string, now: number): Item => ({
  ...tombstoneKey(tenantId, customerId),
  erasedAt: new Date(now).toISOString(),
});

/** `<tenant>#ERASED#<sha256(tenant:customerId)>` / `TOMBSTONE`. */
export const TombstoneItem = z.looseObject({ ...ItemKey, erasedAt: z.iso.datetime() });

/** When the customer of this tombstone was erased (ISO-8601 UTC): their events up to then are dropped. */
export const erasedAtOf = (tombstone: Item): string => decodeItem(TombstoneItem, tombstone).erasedAt;

/**
 * Whether an event belongs to what was erased: received (put on the bus) or dated no later than
 * the erasure. The receive time is the bus's, second-truncated; an event without one counts as
 * received before.
 */
export function erasedEvent(erasedAt: string, event: { occurredAt: string }, receivedAt: string | undefined): boolean {
  const erased = Date.parse(erasedAt);
  if (Date.parse(event.occurredAt) <= erased) return true;
  return receivedAt === undefined || !(Date.parse(receivedAt) > erased);
}

export const auditPk = (tenantId: string): string => `${tenantId}#AUDIT`;

/** `<tenant>#AUDIT` / `<ISO time>#<uuid>`: one per erasure or export, with its item counts. */
export const AuditItem = z.looseObject({
  ...ItemKey,
  action: z.enum(PRIVACY_ACTIONS),
  subjectSha256: z.string().regex(/^[0-9a-f]{64}$/),
  requestedBy: z.enum(REQUESTERS),
  at: z.iso.datetime(),
});

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
