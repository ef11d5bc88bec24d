// Starts moto_server (an AWS-compatible endpoint) on a free loopback port for one test file.
// Emulator-backed suites use describeWithEmulator: they run when moto_server is on PATH, fail
// when it is missing and REQUIRE_AWS_EMULATOR=1 (CI), and skip with a reason otherwise.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';

const MOTO_BINARY = 'moto_server';
const START_TIMEOUT_MS = 20_000;

export type Moto = { endpoint: string; stop(): Promise<void> };

/** True when a moto_server executable is on PATH. */
export function emulatorAvailable(): boolean {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const names = process.platform === 'win32' ? [`${MOTO_BINARY}.exe`, `${MOTO_BINARY}.cmd`] : [MOTO_BINARY];
  for (const dir of dirs) {
    for (const name of names) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        // not in this directory
      }
    }
  }
  return false;
}

/** Client settings for an AWS SDK v3 client talking to the emulator. */
export function awsClientConfig(endpoint: string) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
}

/**
 * A describe block for suites that need the emulator. Runs when moto_server is available; when it is
 * missing, fails if REQUIRE_AWS_EMULATOR=1 and skips (with the reason in the suite name) otherwise.
 */
export function describeWithEmulator(name: string, fn: () => void): void {
  if (emulatorAvailable()) {
    describe(name, fn);
    return;
  }
  if (process.env.REQUIRE_AWS_EMULATOR === '1') {
    describe(name, () => {
      it('needs moto_server, which REQUIRE_AWS_EMULATOR=1 makes mandatory', () => {
        throw new Error(
          `${MOTO_BINARY} is not on PATH and REQUIRE_AWS_EMULATOR=1: install it with pip install "moto[server]"`,
        );
      });
    });
    return;
  }
  describe.skip(`${name} (skipped: ${MOTO_BINARY} not on PATH; pip install "moto[server]" to run it)`, fn);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** Spawns moto_server on a free loopback port and resolves once it answers HTTP. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(MOTO_BINARY, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  running.add(child);
  installExitHook();

  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    // keep the tail only: moto logs every request
    stderr = (stderr + chunk).slice(-8_000);
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve();
    });
  });
  child.once('error', (error) => {
    spawnError = error;
    running.delete(child);
  });

  const stop = async (): Promise<void> => {
    if (exited || spawnError) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exitedPromise;
    clearTimeout(timer);
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (spawnError) {
      throw new Error(`could not start ${MOTO_BINARY}: ${spawnError.message}`);
    }
    if (exited) {
      throw new Error(
        `${MOTO_BINARY} exited (code ${exited.code}, signal ${exited.signal}) before answering on ${endpoint}:\n${stderr}`,
      );
    }
    if (await answers(endpoint)) return { endpoint, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`${MOTO_BINARY} did not answer on ${endpoint} within ${START_TIMEOUT_MS} ms:\n${stderr}`);
}
