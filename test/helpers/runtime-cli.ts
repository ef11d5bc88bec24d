// Runs the real `growthloop` CLI as a child process: `start` for end-to-end tests that stop or
// kill it, any other command to completion with `runCli`.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const START_TIMEOUT_MS = 30_000;
const LISTENING = /growthloop listening on (http:\/\/[\d.]+:\d+) /;

export type CliProcess = {
  url: string;
  pid: number;
  /** Everything the process wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** True once the process has exited. */
  exited(): boolean;
  /** SIGKILLs the process group (the node process and anything it forked) and waits for the exit. */
  kill(): Promise<void>;
  /** Sends SIGTERM (a clean stop) to the node process and resolves with its exit code. */
  stop(): Promise<number | null>;
};

const running = new Set<CliProcess>();

/** The project-local Node 24 when installed, otherwise the Node running the tests. */
function nodeBinary(): string {
  const local = join(ROOT, 'node_modules/.bin/node');
  return existsSync(local) ? local : process.execPath;
}

/**
 * Starts `growthloop start --config FILE --data-dir DIR --port 0` in one node process (tsx loaded
 * with --import, so no wrapper process stands between the test and the server) in its own
 * process group, and resolves once it prints the URL it listens on.
 */
export async function startCli(options: { configPath: string; dataDir: string }): Promise<CliProcess> {
  const args = ['--import', 'tsx', 'bin/growthloop.ts', 'start'];
  args.push('--config', options.configPath, '--data-dir', options.dataDir, '--port', '0');
  const child: ChildProcess = spawn(nodeBinary(), args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exited = false;
  let exitCode: number | null = null;
  const exit = new Promise<void>((resolveExit) => {
    child.once('exit', (code) => {
      exited = true;
      exitCode = code;
      resolveExit();
    });
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn the growthloop CLI');

  const cli: CliProcess = {
    url: '',
    pid,
    output: () => output,
    exited: () => exited,
    async kill() {
      if (!exited) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
        }
      }
      await exit;
      running.delete(cli);
    },
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await exit;
      running.delete(cli);
      return exitCode;
    },
  };
  running.add(cli);

  const started = Date.now();
  while (!LISTENING.test(output)) {
    if (exited) throw new Error(`growthloop exited before listening:\n${output}`);
    if (Date.now() - started > START_TIMEOUT_MS) {
      await cli.kill();
      throw new Error(`growthloop did not print its URL within ${START_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  cli.url = (LISTENING.exec(output) as RegExpExecArray)[1] as string;
  return cli;
}

/** Kills every CLI process this module started and has not seen exit; for afterAll. */
export async function killAllClis(): Promise<void> {
  await Promise.all([...running].map((cli) => cli.kill()));
}

export type CliResult = { status: number | null; stdout: string; stderr: string };

/** Runs `growthloop ARGS` to completion (node with tsx loaded, from the repository root). */
export function runCli(args: readonly string[], options: { timeoutMs?: number } = {}): CliResult {
  const result = spawnSync(nodeBinary(), ['--import', 'tsx', 'bin/growthloop.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? START_TIMEOUT_MS,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
