import { randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Clock, Queue, QueueMessage } from '../../ports';
import { queues as defaultDefinitions, type QueueDefinition } from '../../routes';

type Message = { id: string; body: string; receiveCount: number; visibleAt: number };
type Journal = {
  fd: number;
  path: string;
  appendsSinceCompaction: number;
  /** Messages acknowledged or dead-lettered since the journal was last rewritten: still in it. */
  settledSinceCompaction: number;
  idle?: NodeJS.Timeout;
};
type State = {
  definition: QueueDefinition;
  live: Map<string, Message>;
  dead: Map<string, Message>;
  waiters: Set<() => void>;
  journal?: Journal;
};

/** Journal lines: {"s": [[id, body], ...]} sent, {"a": [id, ...]} acknowledged, {"d": [id, ...]} dead-lettered. */
type JournalLine = { s?: [string, string][]; a?: string[]; d?: string[] };

const COMPACT_AFTER_APPENDS = 20_000;
/** A journal is rewritten once it holds as many acknowledged messages as live ones (and at least this many)... */
const COMPACT_AFTER_SETTLED = 100;
/** ...or this long after the last acknowledgement: acknowledged bodies do not stay on disk. */
const COMPACT_WHEN_IDLE_MS = 1_000;

/**
 * An in-process queue with SQS semantics: visibility timeout, receive counts, a dead-letter
 * list. With `dir`, every send is appended to a journal before `send` resolves, so a message
 * that was accepted survives the process being killed; receive counts restart at zero.
 * Acknowledged messages leave the journal promptly: it is rewritten with the live and dead
 * messages only (to a new file renamed over the old, so a crash keeps one or the other).
 */
export function createLocalQueue(options: {
  dir?: string;
  clock: Clock;
  definitions?: Record<string, QueueDefinition>;
}): Queue & { close(): Promise<void>; depth(queue: string): number } {
  const { dir, clock } = options;
  const definitions: Record<string, QueueDefinition> = options.definitions ?? defaultDefinitions;
  const states = new Map<string, State>();

  function state(name: string): State {
    let s = states.get(name);
    if (s) return s;
    const definition = definitions[name];
    if (!definition) throw new Error(`unknown queue "${name}"; known: ${Object.keys(definitions).join(', ')}`);
    s = { definition, live: new Map(), dead: new Map(), waiters: new Set() };
    if (dir) s.journal = openJournal(join(dir, `${name}.jsonl`), s);
    states.set(name, s);
    return s;
  }

  function openJournal(path: string, s: State): Journal {
    mkdirSync(dir as string, { recursive: true });
    if (existsSync(path)) {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (!line) continue;
        let entry: JournalLine;
        try {
          entry = JSON.parse(line);
        } catch {
          continue; // a line torn by a crash mid-write was never acknowledged to anyone
        }
        for (const [id, body] of entry.s ?? []) s.live.set(id, { id, body, receiveCount: 0, visibleAt: 0 });
        for (const id of entry.a ?? []) s.live.delete(id);
        for (const id of entry.d ?? []) moveToDead(s, id);
      }
    }
    writeSnapshot(path, s);
    return { fd: openSync(path, 'a'), path, appendsSinceCompaction: 0, settledSinceCompaction: 0 };
  }

  function rewrite(s: State) {
    const journal = s.journal;
    if (!journal) return;
    if (journal.idle) clearTimeout(journal.idle);
    journal.idle = undefined;
    closeSync(journal.fd);
    writeSnapshot(journal.path, s);
    journal.fd = openSync(journal.path, 'a');
    journal.appendsSinceCompaction = 0;
    journal.settledSinceCompaction = 0;
  }

  /** Counts messages that left the live set and rewrites the journal when enough did, or soon. */
  function settled(s: State, count: number) {
    const journal = s.journal;
    if (!journal) return;
    journal.settledSinceCompaction += count;
    if (journal.settledSinceCompaction >= Math.max(COMPACT_AFTER_SETTLED, s.live.size)) return rewrite(s);
    if (journal.idle) clearTimeout(journal.idle);
    journal.idle = setTimeout(() => rewrite(s), COMPACT_WHEN_IDLE_MS);
    journal.idle.unref();
  }

  function writeSnapshot(path: string, s: State) {
    const lines: JournalLine[] = [];
    if (s.live.size > 0 || s.dead.size > 0)
      lines.push({ s: [...s.live.values(), ...s.dead.values()].map((m) => [m.id, m.body]) });
    if (s.dead.size > 0) lines.push({ d: [...s.dead.keys()] });
    writeFileSync(`${path}.tmp`, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    renameSync(`${path}.tmp`, path);
  }

  function append(s: State, line: JournalLine) {
    const journal = s.journal;
    if (!journal) return;
    writeSync(journal.fd, `${JSON.stringify(line)}\n`);
    if (++journal.appendsSinceCompaction >= COMPACT_AFTER_APPENDS) rewrite(s);
  }

  function moveToDead(s: State, id: string) {
    const message = s.live.get(id);
    if (!message) return;
    s.live.delete(id);
    s.dead.set(id, message);
  }

  function takeVisible(s: State, max: number): QueueMessage[] {
    const now = clock.now();
    const taken: QueueMessage[] = [];
    const exhausted: string[] = [];
    for (const message of s.live.values()) {
      if (taken.length >= max) break;
      if (message.visibleAt > now) continue;
      if (message.receiveCount >= s.definition.maxReceiveCount) {
        exhausted.push(message.id);
        continue;
      }
      message.receiveCount += 1;
      message.visibleAt = now + s.definition.visibilitySeconds * 1000;
      taken.push({
        id: message.id,
        body: message.body,
        receipt: `${message.id}|${message.receiveCount}`,
        receiveCount: message.receiveCount,
      });
    }
    if (exhausted.length > 0) {
      append(s, { d: exhausted });
      for (const id of exhausted) moveToDead(s, id);
    }
    return taken;
  }

  return {
    async send(queue, bodies) {
      const s = state(queue);
      const messages = bodies.map((body) => ({ id: randomUUID(), body, receiveCount: 0, visibleAt: 0 }));
      append(s, { s: messages.map((m) => [m.id, m.body]) });
      for (const m of messages) s.live.set(m.id, m);
      for (const wake of s.waiters) wake();
    },

    async receive(queue, opts) {
      const s = state(queue);
      const max = opts?.max ?? 10;
      const taken = takeVisible(s, max);
      if (taken.length > 0 || !opts?.waitSeconds) return taken;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          s.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, (opts.waitSeconds as number) * 1000);
        s.waiters.add(wake);
      });
      return takeVisible(s, max);
    },

    async ack(queue, receipts) {
      const s = state(queue);
      const ids = receipts.map((r) => r.slice(0, r.lastIndexOf('|'))).filter((id) => s.live.has(id));
      if (ids.length === 0) return;
      append(s, { a: ids });
      for (const id of ids) s.live.delete(id);
      settled(s, ids.length);
    },

    async deadLetters(queue, opts) {
      return [...state(queue).dead.values()].slice(0, opts?.max ?? 10).map((m) => ({
        id: m.id,
        body: m.body,
        receipt: `${m.id}|dead`,
        receiveCount: m.receiveCount,
      }));
    },

    depth: (queue) => state(queue).live.size,

    async close() {
      for (const s of states.values()) {
        for (const wake of s.waiters) wake();
        if (s.journal && s.journal.settledSinceCompaction > 0) rewrite(s);
        if (s.journal) closeSync(s.journal.fd);
      }
      states.clear();
    },
  };
}
