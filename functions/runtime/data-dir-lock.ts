/**
 * One growthloop at a time per data directory: a lock file, `growthloop.lock` in the directory,
 * created with O_EXCL and holding the owner's pid. A lock whose pid is no longer running (the
 * owner was killed, or the machine restarted) is stale and taken over. `release()` removes the
 * lock only while it is still this owner's.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'growthloop.lock';

/** Another live process holds the data directory. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
  constructor(
    readonly dataDir: string,
    /** The holder's pid; undefined when its lock file is still being written. */
    readonly pid: number | undefined,
  ) {
    super(`${dataDir} is in use by another growthloop${pid === undefined ? '' : ` (pid ${pid})`}`);
  }
}

export interface DataDirLock {
  /** The lock file. */
  path: string;
  pid: number;
  /** Removes the lock file if it is still this lock's; safe to call more than once. */
  release(): void;
}

type Holder = { pid: number; token: string; startedAt?: string };

/** A lock file younger than this with no pid in it yet is being written by its creator: wait for it. */
export const WRITE_GRACE_MS = 1_000;
const ATTEMPTS = 40;

/** True while a process with this pid exists (EPERM: it exists, under another user). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): { text: string; holder: Holder | undefined } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const json = JSON.parse(text) as Partial<Holder>;
    if (Number.isInteger(json.pid) && (json.pid as number) > 0 && typeof json.token === 'string') {
      return { text, holder: json as Holder };
    }
  } catch {
    // not (yet) a complete lock file
  }
  return { text, holder: undefined };
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Takes the data directory `dataDir` (created if missing) for the process `pid`, or throws
 * DataDirInUseError naming the live process that holds it. `label` is how the error names the
 * directory (default: the path as given).
 */
export function lockDataDir(dataDir: string, options: { pid?: number; label?: string } = {}): DataDirLock {
  const pid = options.pid ?? process.pid;
  const label = options.label ?? dataDir;
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const token = randomBytes(12).toString('hex');
  const content = `${JSON.stringify({ pid, token, startedAt: new Date().toISOString() })}\n`;

  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const found = readHolder(path);
      if (!found) continue; // released in between: try again
      const { holder, text } = found;
      if (holder && isRunning(holder.pid)) throw new DataDirInUseError(label, holder.pid);
      if (!holder && ageMs(path) < WRITE_GRACE_MS) {
        // its creator is between open and write
        if (attempt === ATTEMPTS - 1) throw new DataDirInUseError(label, undefined);
        pause(50);
        continue;
      }
      // Stale: remove it unless another process took it over since we read it, then try again.
      if (readHolder(path)?.text === text) {
        try {
          unlinkSync(path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      continue;
    }
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      path,
      pid,
      release() {
        if (released) return;
        released = true;
        if (readHolder(path)?.holder?.token !== token) return; // taken over: no longer ours
        try {
          unlinkSync(path);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
      },
    };
  }
  throw new DataDirInUseError(label, undefined);
}
