// The one contract every Timers adapter must pass (ARCHITECTURE.md section 2). Each case gets a
// fresh subject (no timers pending, an empty queue) from makeSubject.
//
// Some promises are not every adapter's to keep, and the adapter declares which it keeps:
// - dedupesPending: setting a pending id again delivers once. SQS delayed messages have no name,
//   so the AWS adapter keeps this only for far timers (Scheduler); consumers absorb the rest.
// - ordered: due timers reach the queue earliest first. SQS standard queues do not keep order.
// - restart: the subject can be restarted onto the same persisted state.
import { expect, it } from 'vitest';
import type { Timer, Timers } from '../../functions/ports';

export type TimersSubject = {
  /** The adapter under test; restart() replaces it. */
  timers: Timers;
  /** The queue the timers deliver to. */
  queue: string;
  /** Epoch ms on the subject's clock. */
  now(): number;
  /** Lets `ms` pass on the subject's clock and fires what became due (real sleep on AWS). */
  pass(ms: number): Promise<void>;
  /** Bodies delivered and not yet taken, waiting until at least `count` arrived (or patience ran out), acked. */
  delivered(count: number): Promise<string[]>;
  /** A short wait the subject can afford: the cases set timers this far ahead. */
  delayMs: number;
  /** How late a delivery may be, and how early before `at` a check is still safe. */
  slackMs: number;
  /** Replaces `timers` with a new adapter on the same persisted state, as after a process restart. */
  restart?(): Promise<void>;
  close(): Promise<void>;
};

export type TimersFeatures = { dedupesPending: boolean; ordered: boolean; restart: boolean };

const timer = (subject: TimersSubject, id: string, at: number, body = id): Timer => ({
  id,
  at,
  queue: subject.queue,
  body,
});

/** A deterministic shuffle (mulberry32), so a failure reproduces. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export function timersContract(makeSubject: () => Promise<TimersSubject>, features: TimersFeatures): void {
  async function withSubject(test: (subject: TimersSubject) => Promise<void>): Promise<void> {
    const subject = await makeSubject();
    try {
      await test(subject);
    } finally {
      await subject.close();
    }
  }

  it('a timer in the past is delivered at once', () =>
    withSubject(async (subject) => {
      await subject.timers.set([timer(subject, 'overdue', subject.now() - 60_000, 'late but delivered')]);
      expect(await subject.delivered(1)).toEqual(['late but delivered']);
      expect(await subject.delivered(0)).toEqual([]);
    }));

  it('a timer is not delivered before its time and is delivered once after it', () =>
    withSubject(async (subject) => {
      await subject.timers.set([timer(subject, 'wait-step', subject.now() + subject.delayMs, 'wake up')]);
      expect(await subject.delivered(0)).toEqual([]);
      await subject.pass(subject.delayMs - subject.slackMs);
      expect(await subject.delivered(0)).toEqual([]);
      await subject.pass(2 * subject.slackMs);
      expect(await subject.delivered(1)).toEqual(['wake up']);
      await subject.pass(subject.delayMs);
      expect(await subject.delivered(0)).toEqual([]);
    }));

  it('delivers bodies intact: JSON, multi-byte UTF-8 and whitespace', () =>
    withSubject(async (subject) => {
      const bodies = [
        JSON.stringify({ journey: 'winback', step: 3, customer: 'c-1', note: 'quote " and \\ slash' }),
        'Grüße aus Köln, 北京欢迎你, emoji 🎉🛒',
        ' leading and trailing whitespace \n\t',
      ];
      const at = subject.now() + subject.delayMs;
      await subject.timers.set(bodies.map((body, index) => timer(subject, `body-${index}`, at, body)));
      await subject.pass(subject.delayMs + subject.slackMs);
      expect((await subject.delivered(bodies.length)).sort()).toEqual([...bodies].sort());
    }));

  it('a batch mixing past and future timers delivers the past ones now and the rest on time', () =>
    withSubject(async (subject) => {
      const now = subject.now();
      await subject.timers.set([
        timer(subject, 'past-1', now - 5_000),
        timer(subject, 'future-1', now + subject.delayMs),
        timer(subject, 'past-2', now - 1),
      ]);
      expect((await subject.delivered(2)).sort()).toEqual(['past-1', 'past-2']);
      await subject.pass(subject.delayMs + subject.slackMs);
      expect(await subject.delivered(1)).toEqual(['future-1']);
    }));

  it('the same id twice in one call is set once, with the later timer', () =>
    withSubject(async (subject) => {
      const at = subject.now() + subject.delayMs;
      await subject.timers.set([timer(subject, 'twice', at, 'first'), timer(subject, 'twice', at, 'second')]);
      await subject.pass(subject.delayMs + subject.slackMs);
      expect(await subject.delivered(1)).toEqual(['second']);
      expect(await subject.delivered(0)).toEqual([]);
    }));

  it('setting no timers does nothing', () =>
    withSubject(async (subject) => {
      await subject.timers.set([]);
      await subject.pass(subject.slackMs);
      expect(await subject.delivered(0)).toEqual([]);
    }));

  if (features.dedupesPending) {
    it('setting the same id again while it is pending delivers once', () =>
      withSubject(async (subject) => {
        const wake = timer(subject, 'journey-1/step-2/occurrence-1', subject.now() + subject.delayMs, 'step 2');
        await subject.timers.set([wake]);
        await subject.timers.set([wake]);
        await subject.pass(subject.delayMs / 2);
        await subject.timers.set([wake]);
        await subject.pass(subject.delayMs / 2 + subject.slackMs);
        expect(await subject.delivered(1)).toEqual(['step 2']);
        await subject.pass(subject.delayMs);
        expect(await subject.delivered(0)).toEqual([]);
      }));
  }

  if (features.restart) {
    it('timers survive a restart: a new adapter on the same state delivers them once, on time', () =>
      withSubject(async (subject) => {
        const restart = subject.restart?.bind(subject);
        if (!restart) throw new Error('the subject declares restart but has no restart()');
        const now = subject.now();
        await subject.timers.set([
          timer(subject, 'soon', now + subject.delayMs),
          timer(subject, 'later', now + 2 * subject.delayMs),
        ]);
        await restart();
        await subject.pass(subject.delayMs - subject.slackMs);
        expect(await subject.delivered(0)).toEqual([]);
        await subject.pass(2 * subject.slackMs);
        expect(await subject.delivered(1)).toEqual(['soon']);
        await restart();
        await subject.pass(subject.delayMs);
        expect(await subject.delivered(1)).toEqual(['later']);
        await restart();
        await subject.pass(2 * subject.delayMs);
        expect(await subject.delivered(0)).toEqual([]);
      }));

    if (features.dedupesPending) {
      it('setting a pending id again after a restart still delivers once', () =>
        withSubject(async (subject) => {
          const restart = subject.restart?.bind(subject);
          if (!restart) throw new Error('the subject declares restart but has no restart()');
          const wake = timer(subject, 'across-restart', subject.now() + subject.delayMs, 'once');
          await subject.timers.set([wake]);
          await restart();
          await subject.timers.set([wake]);
          await subject.pass(subject.delayMs + subject.slackMs);
          expect(await subject.delivered(1)).toEqual(['once']);
          expect(await subject.delivered(0)).toEqual([]);
        }));
    }
  }

  if (features.ordered) {
    it('500 timers set in random order are each delivered once, in time order, never early', () =>
      withSubject(async (subject) => {
        const start = subject.now();
        const span = 50 * subject.delayMs;
        // Spread over the span, with some sharing one instant (ties break by id).
        const all = Array.from({ length: 500 }, (_, index) =>
          timer(
            subject,
            `t-${String(index).padStart(3, '0')}`,
            start + 1 + Math.floor(((index % 250) * span) / 250) + (index % 7 === 0 ? 0 : index),
          ),
        );
        const mixed = shuffled(all, 20240301);
        for (let i = 0; i < mixed.length; i += 100) await subject.timers.set(mixed.slice(i, i + 100));

        const byBody = new Map(all.map((t) => [t.body, t]));
        const received: string[] = [];
        const steps = 20;
        for (let step = 1; step <= steps + 1; step++) {
          await subject.pass(span / steps);
          const now = subject.now();
          const batch = await subject.delivered(0);
          for (const body of batch) expect(byBody.get(body)?.at).toBeLessThanOrEqual(now);
          received.push(...batch);
          const dueSoFar = all.filter((t) => t.at <= now - subject.slackMs).length;
          expect(received.length).toBeGreaterThanOrEqual(dueSoFar);
        }
        const expected = [...all]
          .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
          .map((t) => t.body);
        expect(received).toEqual(expected);
      }));
  }
}
