import { z } from 'zod';
import { type Answer, answer, parseJsonBody, reject } from '../../contracts/answers';
import {
  fromQuarantineItem,
  PoisonError,
  type QuarantineEntry,
  quarantineId,
  quarantineItem,
  quarantineKey,
  quarantinePk,
} from '../../core/quarantine';
import { StoredItemError } from '../../core/stored-item';
import type { AppPorts } from '../common/ports';

export type QuarantineDeps = Pick<AppPorts, 'store' | 'queue' | 'clock'> & {
  /** Readies what a message of its queue needs before it goes back (a dead-lettered action's send record). */
  beforeReplay?: (entry: QuarantineEntry) => Promise<void>;
};

/**
 * Whether no redelivery can cure the failure: the use case's own refusals, stored items that do not
 * decode, and what DynamoDB or its SDK refuse to write whatever the attempt (numbers it cannot keep,
 * items past 400 KB, keys past their limits).
 */
export function isPoison(e: unknown): boolean {
  if (e instanceof PoisonError || e instanceof StoredItemError || e instanceof RangeError) return true;
  if (!(e instanceof Error)) return false;
  if (e.name === 'ValidationException') return true;
  return /MAX_SAFE_INTEGER|MIN_SAFE_INTEGER|Special numeric value|Use NumberValue/.test(e.message);
}

const LIST_LIMIT = 100;

/** Parks a message of `queue` with why it failed. */
export async function park(
  deps: Pick<AppPorts, 'store' | 'clock'>,
  message: { tenantId: string; queue: string; body: string; reason: string },
): Promise<void> {
  const entry: QuarantineEntry = {
    id: quarantineId(message.queue, message.body),
    tenantId: message.tenantId,
    queue: message.queue,
    reason: message.reason.slice(0, 1000),
    body: message.body,
    parkedAt: new Date(deps.clock.now()).toISOString(),
  };
  await deps.store.put(quarantineItem(entry));
}

export function createQuarantine(deps: QuarantineDeps) {
  const { store, queue } = deps;
  const list = async (tenantId: string): Promise<QuarantineEntry[]> =>
    (await store.query(quarantinePk(tenantId), { consistent: true }))
      .map(fromQuarantineItem)
      .sort((a, b) => a.parkedAt.localeCompare(b.parkedAt) || a.id.localeCompare(b.id));
  return {
    /** The tenant's parked messages, oldest first. */
    list,

    /** Sends parked messages back to their queues (all, or those named) and removes them. */
    async replay(tenantId: string, ids?: readonly string[]): Promise<{ replayed: string[]; unknown: string[] }> {
      const entries = await list(tenantId);
      const wanted = ids === undefined ? entries : entries.filter((e) => ids.includes(e.id));
      const unknown = ids === undefined ? [] : ids.filter((id) => !entries.some((e) => e.id === id));
      for (const entry of wanted) {
        await deps.beforeReplay?.(entry);
        await queue.send(entry.queue, [entry.body]);
        await store.delete(quarantineKey(tenantId, entry.id));
      }
      return { replayed: wanted.map((e) => e.id), unknown };
    },
  };
}
export type Quarantine = ReturnType<typeof createQuarantine>;

/** GET /v1/quarantine and POST /v1/quarantine/replay, for the tenant of the admin key. */
export function quarantineRoutes(quarantine: Quarantine) {
  return {
    async list(tenantId: string): Promise<Answer> {
      const entries = await quarantine.list(tenantId);
      return answer(200, { messages: entries.slice(0, LIST_LIMIT), total: entries.length });
    },
    async replay(tenantId: string, body: string): Promise<Answer> {
      if (body.trim() === '') return answer(200, await quarantine.replay(tenantId));
      const parsed = parseJsonBody(body, { maxBytes: 64 * 1024 });
      if (!parsed.ok) return parsed.rejection;
      const request = ReplayRequest.safeParse(parsed.value);
      if (!request.success)
        return reject(400, 'invalid_request', 'the body is {"ids": [string, ...]} or empty', '$.ids');
      return answer(200, await quarantine.replay(tenantId, request.data.ids));
    },
  };
}

const ReplayRequest = z.object({ ids: z.array(z.string().min(1)).max(1000).optional() });
