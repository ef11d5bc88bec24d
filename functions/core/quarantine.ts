import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Item, Key } from '../ports';
import { decodeItem, ItemKey } from './stored-item';

// Where a message that cannot be processed, however often it is delivered, is parked instead of
// taking the other messages of its batch with it: one item per message under the tenant, with the
// queue it came from, its body as delivered and why it failed, until an operator replays it.

export type QuarantineEntry = {
  /** Stable for a queue and body: parking the same message twice keeps one entry. */
  id: string;
  tenantId: string;
  queue: string;
  reason: string;
  body: string;
  parkedAt: string;
};

export const quarantinePk = (tenantId: string): string => `${tenantId}#QUARANTINE`;
export const quarantineKey = (tenantId: string, id: string): Key => ({ pk: quarantinePk(tenantId), sk: `Q#${id}` });

export const quarantineId = (queue: string, body: string): string =>
  createHash('sha256').update(queue).update('\u0000').update(body).digest('hex').slice(0, 24);

export const quarantineItem = (entry: QuarantineEntry): Item => ({
  ...quarantineKey(entry.tenantId, entry.id),
  ...entry,
});

/** `<tenant>#QUARANTINE` / `Q#<id>`. */
export const QuarantineItem = z.looseObject({
  ...ItemKey,
  id: z.string().min(1),
  tenantId: z.string().min(1),
  queue: z.string().min(1),
  reason: z.string(),
  body: z.string(),
  parkedAt: z.iso.datetime(),
});

export function fromQuarantineItem(item: Item): QuarantineEntry {
  const { id, tenantId, queue, reason, body, parkedAt } = decodeItem(QuarantineItem, item);
  return { id, tenantId, queue, reason, body, parkedAt };
}

/** A failure that no redelivery can cure: the message is parked at once. */
export class PoisonError extends Error {
  override name = 'PoisonError';
}
