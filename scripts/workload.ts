import type { CanonicalEvent } from '../functions/core/events/schemas';

/** A small deterministic PRNG (mulberry32) so generated histories repeat exactly. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Input = Omit<CanonicalEvent, 'tenantId'>;

/**
 * A realistic stream of shop events: customers come back in sessions; a session views a few
 * products, may fill a cart and check out, and sometimes orders. Every event has a unique id.
 */
export function shopHistory(options: {
  customers: number;
  events: number;
  seed?: number;
  start?: string;
  /** Days the history spans from `start` (default 90). */
  days?: number;
  prefix?: string;
}): Input[] {
  const rand = random(options.seed ?? 1);
  const prefix = options.prefix ?? 'c';
  const startMs = Date.parse(options.start ?? '2026-01-01T00:00:00Z');
  const out: Input[] = [];
  let n = 0;
  const at = (ms: number) => new Date(ms).toISOString();
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)] as T;
  const currencies = ['EUR', 'EUR', 'EUR', 'USD'] as const;
  while (out.length < options.events) {
    const customerId = `${prefix}-${Math.floor(rand() * options.customers)}`;
    let t = startMs + Math.floor(rand() * (options.days ?? 90) * 86_400_000);
    const id = () => `evt-${options.seed ?? 1}-${n++}`;
    const push = (e: Omit<Input, 'eventId' | 'customerId' | 'occurredAt' | 'source'>) => {
      t += 5_000 + Math.floor(rand() * 120_000);
      out.push({ ...e, eventId: id(), customerId, occurredAt: at(t), source: 'api' } as Input);
    };
    const currency = pick(currencies);
    push({ type: 'session_started', properties: {} });
    if (rand() < 0.3) push({ type: 'login', properties: {} });
    if (rand() < 0.1)
      push({
        type: 'identify',
        properties: {
          traits: { plan: pick(['free', 'plus']) },
          timezone: pick(['Europe/Berlin', 'America/New_York', 'Asia/Shanghai']),
        },
      });
    if (rand() < 0.05)
      push({ type: 'consent_changed', properties: { channel: pick(['email', 'sms', 'push']), granted: rand() < 0.7 } });
    const views = 1 + Math.floor(rand() * 4);
    for (let v = 0; v < views; v++)
      push({ type: 'product_viewed', properties: { productId: `p-${Math.floor(rand() * 500)}` } });
    if (rand() < 0.4) {
      const value = { amount: 500 + Math.floor(rand() * 20_000), currency };
      push({ type: 'cart_updated', properties: { value, itemCount: 1 + Math.floor(rand() * 4) } });
      if (rand() < 0.6) {
        const checkoutId = `co-${n}`;
        push({ type: 'checkout_started', properties: { checkoutId, value } });
        if (rand() < 0.6) {
          const orderId = `o-${n}`;
          push({
            type: 'order_placed',
            properties: { orderId, total: value, items: [{ productId: `p-${Math.floor(rand() * 500)}`, quantity: 1 }] },
          });
          if (rand() < 0.05)
            push({
              type: 'refund',
              properties: { orderId, amount: { amount: Math.floor(value.amount / 2), currency } },
            });
        }
      }
    }
  }
  return out.slice(0, options.events);
}
