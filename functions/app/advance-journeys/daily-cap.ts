// A journey's daily cap, decided with the step that sends: each new send claims a slot of its
// journey's day by its action key before the step is written, so the outbox holds only decided
// sends. Claims are idempotent: a step decided again (after a refused write or a crash) claims the
// same keys and gets the same answer, so no send is capped for a slot it took itself, and the
// cap is never exceeded. The slots of a day are spread over small sets (each claim writes its set,
// billed by size), each holding its share of the cap.
import { createHash } from 'node:crypto';
import type { JourneyIntent } from '../../core/journeys/customer';
import { dailySlotsKey } from '../../core/journeys/items';
import type { Store } from '../../ports';

const SLOTS_PER_SET = 100;

/** A set's share of the cap: the shares add up to the cap exactly. */
function slotOf(cap: number, actionKey: string) {
  const digest = createHash('sha256').update(actionKey).digest();
  const sets = Math.ceil(cap / SLOTS_PER_SET);
  const set = digest.readUInt32BE(0) % sets;
  const limit = Math.floor(cap / sets) + (set < cap % sets ? 1 : 0);
  return { set, limit, member: digest.subarray(4, 13).toString('base64url') };
}

/** The intents with every send over its journey's daily cap replaced by a `capped` count. */
export async function withinDailyCaps(
  store: Store,
  tenantId: string,
  intents: readonly JourneyIntent[],
  now: number,
): Promise<JourneyIntent[]> {
  const capped = new Set<string>();
  for (const intent of intents) {
    if (intent.type !== 'send' || intent.dailyCap === undefined) continue;
    const { set, limit, member } = slotOf(intent.dailyCap, intent.key);
    const claimed = await store.claim(dailySlotsKey(tenantId, intent.journeyId, now, set), 'keys', member, limit);
    if (!claimed) capped.add(`${intent.instanceId}\u0000${intent.activity}`);
  }
  if (capped.size === 0) return [...intents];
  const isCapped = (i: JourneyIntent) =>
    (i.type === 'send' || (i.type === 'metric' && i.metric === 'queued')) &&
    capped.has(`${i.instanceId}\u0000${i.activity}`);
  return intents.flatMap((i): JourneyIntent[] => {
    if (!isCapped(i)) return [i];
    if (i.type !== 'send') return [];
    const { journeyId, version, instanceId, activity } = i;
    return [{ type: 'metric', metric: 'capped', activity, journeyId, version, instanceId }];
  });
}
