import { forEachConcurrently } from '../../concurrently';
import { smsIndexKeyOfSend } from '../../core/dispatch/feedback';
import { auditItem, type Requester } from '../../core/privacy/records';
import {
  ERASURES_PK,
  erasureAuditSk,
  keptByTenantErasure,
  requestedErasure,
  type TenantErasure,
  tenantErasureKey,
  tenantErasureOf,
} from '../../core/privacy/tenant-erasure';
import { ConditionFailedError, type Item } from '../../ports';
import type { AppPorts } from '../common/ports';
import { writeVersioned } from '../common/versioned-write';

export type TenantErasureDeps = Pick<AppPorts, 'store' | 'clock' | 'log'>;

/** Table items read per scan page (DynamoDB stops a page at 1 MB in any case). */
const SCAN_PAGE = 1000;
const DELETES_IN_PARALLEL = 16;
/** How long a worker holds a job without writing its progress before another may take it over. */
export const LEASE_MS = 5 * 60_000;

/** The job as written: its item. */
const jobItem = (job: TenantErasure): Item => ({ ...job });

/**
 * Records a tenant erasure request (Shopify shop/redact) and returns at once: a background worker
 * (`createTenantErasure`) deletes the tenant's items. A request while one is under way joins it.
 */
export async function requestTenantErasure(
  deps: Pick<AppPorts, 'store' | 'clock'>,
  tenantId: string,
  requestedBy: Requester,
): Promise<TenantErasure> {
  const { result } = await writeVersioned(deps.store, {
    key: tenantErasureKey(tenantId),
    decide(current) {
      const job = requestedErasure(current && tenantErasureOf(current), tenantId, requestedBy, deps.clock.now());
      return { write: jobItem(job), result: job };
    },
  });
  return result;
}

export type TenantErasureReport = { tenantId: string; status: TenantErasure['status'] | 'busy'; erasedItems: number };

/**
 * The background worker of tenant erasures: takes a pending job (a lease, in a versioned write),
 * deletes the tenant's items a scan page at a time (a scan filtered on the tenant's key prefix:
 * the tenant's items have no index of their own, and this runs once per tenant), writes its place
 * after every page, and when the table is read to its end audits the completion. A worker out of
 * time leaves the job where it is; the next run resumes it from its cursor.
 */
export function createTenantErasure(deps: TenantErasureDeps) {
  const { store, clock, log } = deps;

  /** Writes the job on the version read; undefined when another worker changed it meanwhile. */
  async function save(job: TenantErasure, next: TenantErasure): Promise<TenantErasure | undefined> {
    try {
      await store.put(jobItem(next), { ifVersion: job.version });
      return next;
    } catch (e) {
      if (e instanceof ConditionFailedError) return undefined;
      throw e;
    }
  }

  async function erasePage(job: TenantErasure): Promise<TenantErasure | undefined> {
    const page = await store.scanPage(`${job.tenantId}#`, {
      limit: SCAN_PAGE,
      ...(job.cursor === undefined ? {} : { cursor: job.cursor }),
    });
    const doomed = page.items.filter((item) => !keptByTenantErasure(job.tenantId, item));
    await forEachConcurrently(doomed, DELETES_IN_PARALLEL, async (item) => {
      const smsIndex = smsIndexKeyOfSend(item);
      if (smsIndex) await store.delete(smsIndex);
      await store.delete({ pk: item.pk, sk: item.sk });
    });
    const { cursor: _, ...rest } = job;
    return save(job, {
      ...rest,
      ...(page.next === undefined ? { scanned: true } : { cursor: page.next }),
      erasedItems: job.erasedItems + doomed.length,
      leaseUntil: clock.now() + LEASE_MS,
      version: job.version + 1,
    });
  }

  async function complete(job: TenantErasure): Promise<TenantErasure | undefined> {
    const now = clock.now();
    const audit = auditItem(job.tenantId, 'erase_tenant', job.tenantId, job.requestedBy, now, {
      erasedItems: job.erasedItems,
      requestedAt: job.requestedAt,
    });
    await store.put({ ...audit, sk: erasureAuditSk(job) });
    const { leaseUntil: _, cursor: __, ...rest } = job;
    return save(job, { ...rest, status: 'done', completedAt: new Date(now).toISOString(), version: job.version + 1 });
  }

  /** Works on the tenant's pending erasure until it is done or, after a page, `until` (epoch ms) has passed. */
  async function run(tenantId: string, options: { until?: number } = {}): Promise<TenantErasureReport> {
    const item = await store.get(tenantErasureKey(tenantId), { consistent: true });
    let job: TenantErasure | undefined = item && tenantErasureOf(item);
    if (!job) return { tenantId, status: 'done', erasedItems: 0 };
    if (job.status === 'done') return { tenantId, status: 'done', erasedItems: job.erasedItems };
    if (job.leaseUntil !== undefined && job.leaseUntil > clock.now()) {
      return { tenantId, status: 'busy', erasedItems: job.erasedItems };
    }
    job = await save(job, { ...job, leaseUntil: clock.now() + LEASE_MS, version: job.version + 1 });
    while (job && job.status === 'pending') {
      if (job.scanned) {
        job = await complete(job);
        if (job) log.info('tenant erased', { tenantId, erasedItems: job.erasedItems, requestedAt: job.requestedAt });
        break;
      }
      // A page at least, however little time is left: every run moves the job on.
      job = await erasePage(job);
      if (options.until !== undefined && clock.now() >= options.until) break;
    }
    if (!job) return { tenantId, status: 'busy', erasedItems: 0 };
    if (job.status === 'pending') {
      // Out of time: the next run may resume at once.
      const { leaseUntil: _, ...rest } = job;
      job = (await save(job, { ...rest, version: job.version + 1 })) ?? job;
    }
    return { tenantId, status: job.status, erasedItems: job.erasedItems };
  }

  /** Every unfinished erasure, one after another (few at any time: shop/redact ends a shop's life). */
  async function runPending(options: { until?: number } = {}): Promise<TenantErasureReport[]> {
    const jobs = (await store.query(ERASURES_PK, { consistent: true })).map(tenantErasureOf);
    const reports: TenantErasureReport[] = [];
    for (const job of jobs.filter((j) => j.status === 'pending')) reports.push(await run(job.tenantId, options));
    return reports;
  }

  return { run, runPending };
}
export type TenantErasureWorker = ReturnType<typeof createTenantErasure>;
