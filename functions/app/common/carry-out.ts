// The one carry-out of intents: what a core decision asks of the world, done through the ports.
// Profile changes go on the bus, sends to the actions queue (already within their journey's daily
// cap: see advance-journeys/daily-cap.ts), timers to the timers port, journey metrics to the
// journey's counters. Carrying out the same entries again repeats nothing but the counters.
import type { ActionMessage, TimerMessage } from '../../contracts/messages';
import type { JourneyIntent } from '../../core/journeys/customer';
import { statsKey } from '../../core/journeys/items';
import { PROFILES_SOURCE, type ProfileChange } from '../../core/profiles/profile-changes';
import type { Bus, BusEvent, Metrics, Queue, Store, Timer, Timers } from '../../ports';
import { addCounts } from './merged-counts';

/** What an outbox holds: journey intents and profile changes (both told apart by `type`). */
export type OutboxEntry = JourneyIntent | ProfileChange;

/** The ports a carry-out may need: a function without a port must never be handed intents that need it. */
export type CarryOutPorts = { store: Store; bus?: Bus; queue?: Queue; timers?: Timers; metrics?: Metrics };

function need<T>(port: T | undefined, name: string): T {
  if (!port) throw new Error(`these intents need the ${name} port, which this function was not given`);
  return port;
}

export async function carryOut(
  ports: CarryOutPorts,
  customer: { tenantId: string; customerId: string },
  entries: readonly OutboxEntry[],
): Promise<void> {
  const { tenantId, customerId } = customer;
  const events: BusEvent[] = [];
  const actions: string[] = [];
  const timers: Timer[] = [];
  const counters = new Map<string, Record<string, number>>();
  const count = (journeyId: string, name: string, delta: number) => {
    const c = counters.get(journeyId) ?? {};
    c[name] = (c[name] ?? 0) + delta;
    counters.set(journeyId, c);
  };

  for (const entry of entries) {
    switch (entry.type) {
      case 'send': {
        const message: ActionMessage = {
          key: `${tenantId}:${entry.key}`,
          tenantId,
          customerId,
          journeyId: entry.journeyId,
          version: entry.version,
          instanceId: entry.instanceId,
          activity: entry.activity,
          action: entry.action,
          ...(entry.quietTime ? { quietTime: entry.quietTime } : {}),
        };
        actions.push(JSON.stringify(message));
        break;
      }
      case 'set_timer': {
        const body: TimerMessage = {
          tenantId,
          customerId,
          journeyId: entry.journeyId,
          instanceId: entry.instanceId,
          timerId: entry.timerId,
        };
        timers.push({
          id: `${tenantId}:${customerId}:${entry.journeyId}:${entry.timerId}`,
          at: Date.parse(entry.at),
          queue: 'journey-steps',
          body: JSON.stringify(body),
        });
        break;
      }
      case 'metric':
        // `in#<activity>`: the activity reached, told by the intents that name one (an action queued,
        // a wait begun, an arm taken); a run through activities that do neither adds no intent for them.
        if (entry.activity !== undefined && ['queued', 'waiting', 'arm'].includes(entry.metric))
          count(entry.journeyId, `in#${entry.activity}`, 1);
        if (entry.metric === 'waiting' || entry.metric === 'left') {
          count(entry.journeyId, `at#${entry.activity}`, entry.metric === 'waiting' ? 1 : -1);
        } else if (entry.metric === 'arm') count(entry.journeyId, `arm#${entry.activity}#${entry.arm}`, 1);
        else if (entry.metric === 'arm_converted') count(entry.journeyId, `conv#${entry.activity}#${entry.arm}`, 1);
        else count(entry.journeyId, entry.metric, 1);
        break;
      default:
        events.push({ source: PROFILES_SOURCE, detailType: entry.type, detail: entry });
    }
  }
  if (events.length > 0) await need(ports.bus, 'bus').put(events);
  if (actions.length > 0) await need(ports.queue, 'queue').send('actions', actions);
  if (timers.length > 0) await need(ports.timers, 'timers').set(timers);
  await Promise.all([...counters].map(([journeyId, c]) => addCounts(ports.store, statsKey(tenantId, journeyId), c)));
  countMetrics(ports.metrics, actions.length, [...counters.values()]);
}

/** The carry-out's CloudWatch counters (at least once, as the journey counters are). */
function countMetrics(metrics: Metrics | undefined, actions: number, counters: Record<string, number>[]) {
  if (!metrics) return;
  const sum = (...names: string[]) =>
    counters.reduce((n, c) => n + names.reduce((m, name) => m + (c[name] ?? 0), 0), 0);
  const counts = {
    ActionsQueued: actions,
    JourneyEntries: sum('entered'),
    JourneyExits: sum('exited', 'completed'),
  };
  for (const [name, value] of Object.entries(counts)) if (value > 0) metrics.count(name, value);
}
