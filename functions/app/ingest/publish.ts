import { randomBytes } from 'node:crypto';
import type { CanonicalEvent } from '../../core/events/schemas';
import { hasPersonalFields, IV_BYTES, sealEvent } from '../../core/privacy/sealed';
import type { DataKeys } from '../../ports';
import { INGEST_SOURCE } from '../../routes';
import type { AppPorts } from '../common/ports';

export type PublishDeps = Pick<AppPorts, 'bus' | 'metrics'> & {
  /** Seals the events' personal fields under each customer's data key; without it they travel in clear (backtests). */
  dataKeys?: DataKeys;
};

const nextIv = () => randomBytes(IV_BYTES);

/** The events with their personal fields sealed: one key read (or creation) per customer that has any. */
async function sealed(dataKeys: DataKeys, events: readonly CanonicalEvent[]): Promise<CanonicalEvent[]> {
  const owners = new Map<string, { tenantId: string; customerId: string }>();
  for (const e of events) if (hasPersonalFields(e)) owners.set(`${e.tenantId}\u0000${e.customerId}`, e);
  if (owners.size === 0) return [...events];
  const keys = new Map<string, Uint8Array>();
  await Promise.all([...owners].map(async ([id, o]) => keys.set(id, await dataKeys.obtain(o.tenantId, o.customerId))));
  return events.map((e) => {
    const key = keys.get(`${e.tenantId}\u0000${e.customerId}`);
    return key ? sealEvent(e, key, nextIv) : e;
  });
}

/** Puts accepted canonical events on the bus (personal fields sealed), from which the route table delivers them. */
export async function publishEvents(deps: PublishDeps, events: readonly CanonicalEvent[]): Promise<void> {
  if (events.length === 0) return;
  const carried = deps.dataKeys ? await sealed(deps.dataKeys, events) : events;
  await deps.bus.put(carried.map((e) => ({ source: INGEST_SOURCE, detailType: e.type, detail: e })));
  deps.metrics?.count('EventsAccepted', events.length);
}
