import { z } from 'zod';
import type { Item, Key } from '../../ports';
import { decodeItem, ItemKey, Version } from '../stored-item';
import { auditPk, REQUESTERS, type Requester } from './records';

// A tenant's erasure (Shopify shop/redact) is a job: the request is recorded at once, and a
// background worker deletes the tenant's items page by page, keeping its place in the job, so a
// worker stopped by its time limit or a crash resumes where it was. The job items live outside
// every tenant's keys, so erasing a tenant never deletes its own job, and the worker finds the
// unfinished ones with one query.

export const ERASURES_PK = 'ERASURES';

export const tenantErasureKey = (tenantId: string): Key => ({ pk: ERASURES_PK, sk: `TENANT#${tenantId}` });

/** `pending`: items are being deleted; `done`: all deleted and the completion audited. */
export const ERASURE_STATUSES = ['pending', 'done'] as const;

/** `ERASURES` / `TENANT#<tenantId>`. */
export const TenantErasureItem = z.looseObject({
  ...ItemKey,
  version: Version,
  tenantId: z.string().min(1),
  status: z.enum(ERASURE_STATUSES),
  requestedBy: z.enum(REQUESTERS),
  requestedAt: z.iso.datetime(),
  /** Requests received for this run of the job (redeliveries, repeats). */
  requests: z.int().min(1),
  /** Where the scan resumes; absent before the first page. */
  cursor: z.string().optional(),
  /** Every page read: what is left is to audit the completion. */
  scanned: z.boolean(),
  erasedItems: z.int().min(0),
  /** A worker holds the job until then (epoch ms); another takes it over after. */
  leaseUntil: z.number().optional(),
  completedAt: z.iso.datetime().optional(),
});
export type TenantErasure = z.output<typeof TenantErasureItem>;

export const tenantErasureOf = (item: Item): TenantErasure => decodeItem(TenantErasureItem, item);

/**
 * The job after a request: a new run when there is none or the last one is done (the tenant may
 * have sent data since), the same run counting one more request while one is under way.
 */
export function requestedErasure(
  current: TenantErasure | undefined,
  tenantId: string,
  requestedBy: Requester,
  now: number,
): TenantErasure {
  if (current?.status === 'pending')
    return { ...current, requests: current.requests + 1, version: current.version + 1 };
  return {
    ...tenantErasureKey(tenantId),
    version: (current?.version ?? 0) + 1,
    tenantId,
    status: 'pending',
    requestedBy,
    requestedAt: new Date(now).toISOString(),
    requests: 1,
    scanned: false,
    erasedItems: 0,
  };
}

/** What a tenant's erasure leaves: its audit log, which the law asks to keep. */
export const keptByTenantErasure = (tenantId: string, item: Item): boolean => item.pk === auditPk(tenantId);

/** The audit entry's sort key is the run's, so that writing it again after a crash writes the same entry. */
export const erasureAuditSk = (job: TenantErasure): string => `${job.requestedAt}#erase_tenant`;
