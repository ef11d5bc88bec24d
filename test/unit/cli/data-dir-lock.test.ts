import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DataDirInUseError,
  isRunning,
  LOCK_FILE,
  lockDataDir,
  WRITE_GRACE_MS,
} from '../../../functions/runtime/data-dir-lock';

const root = mkdtempSync(join(tmpdir(), 'growthloop-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `data-${n++}`);

/** The pid of a process that has exited (and so is not running, barring pid reuse). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(child.stdout);
  expect(isRunning(pid)).toBe(false);
  return pid;
}

describe('the data directory lock', () => {
  it('is a file holding the pid, created with the directory; release removes it', () => {
    const dir = freshDir();
    const lock = lockDataDir(dir);
    expect(lock.path).toBe(join(dir, LOCK_FILE));
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    lock.release(); // twice is harmless
  });

  it('a second lock on a held directory fails with the holder pid, and the holder keeps it', () => {
    const dir = freshDir();
    const first = lockDataDir(dir);
    let error: unknown;
    try {
      lockDataDir(dir, { label: '.growthloop' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataDirInUseError);
    expect((error as DataDirInUseError).pid).toBe(process.pid);
    expect((error as Error).message).toBe(`.growthloop is in use by another growthloop (pid ${process.pid})`);
    expect(existsSync(first.path)).toBe(true);
    first.release();
    lockDataDir(dir).release(); // free again
  });

  it('takes over a lock whose process is gone', () => {
    const dir = freshDir();
    const stale = lockDataDir(dir, { pid: deadPid() });
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    stale.release(); // the stale owner's release does not remove the new owner's lock
    expect(existsSync(lock.path)).toBe(true);
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it('takes over an unreadable lock file left behind, after giving its writer time to finish', () => {
    const dir = freshDir();
    const path = join(dir, LOCK_FILE);
    lockDataDir(dir).release();
    writeFileSync(path, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    expect(JSON.parse(readFileSync(lockDataDir(dir).path, 'utf8')).pid).toBe(process.pid);

    writeFileSync(path, 'half a lo'); // just written: its creator may still be writing
    const started = Date.now();
    const lock = lockDataDir(dir);
    expect(Date.now() - started).toBeGreaterThanOrEqual(WRITE_GRACE_MS - 100);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });
});
