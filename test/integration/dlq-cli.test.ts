// Dead-lettered actions: GET /v1/quarantine?queue=actions, replay kept to that queue, and `growthloop dlq`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/adapters/clock';
import { park } from '../../functions/app/quarantine/run';
import { runDlqCli } from '../../functions/cli/dlq';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';

const acme = { ...demoConfig().tenants[0]!, id: 'acme', name: 'Acme' };
const config = { tenants: [acme] };
let runtime: LocalRuntime;

beforeAll(async () => {
  // No dispatcher: what is redriven stays on the actions queue for the test to read.
  runtime = await startLocal({ config, dataDir: '', memory: true, port: 0, daily: false, dispatch: false });
});
afterAll(() => runtime.close());

const action = (key: string) => ({
  key,
  tenantId: 'acme',
  customerId: 'c-1',
  journeyId: 'j-1',
  version: 1,
  instanceId: 'i-1',
  activity: 'email-1',
  action: { kind: 'email', template: 'welcome' },
});

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runDlqCli([...args, '--url', runtime.url, '--admin-key', acme.adminKey], {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

const get = async (path: string) => {
  const res = await fetch(`${runtime.url}${path}`, { headers: { authorization: `Bearer ${acme.adminKey}` } });
  return {
    status: res.status,
    body: (await res.json()) as { total: number; messages: { id: string; queue: string }[] },
  };
};

describe('growthloop dlq', () => {
  it('lists only the parked actions, redrives them to the actions queue, and leaves other queues alone', async () => {
    const deps = { store: runtime.store, clock: systemClock };
    await park(deps, {
      tenantId: 'acme',
      queue: 'actions',
      body: JSON.stringify(action('k-1')),
      reason: 'provider refused: 550',
    });
    await park(deps, {
      tenantId: 'acme',
      queue: 'actions',
      body: JSON.stringify(action('k-2')),
      reason: 'retries ran out',
    });
    await park(deps, { tenantId: 'acme', queue: 'profile-updates', body: '{"x":1}', reason: 'poison' });

    const filtered = await get('/v1/quarantine?queue=actions');
    expect(filtered.status).toBe(200);
    expect(filtered.body.total).toBe(2);
    expect(filtered.body.messages.every((m) => m.queue === 'actions')).toBe(true);
    expect((await get('/v1/quarantine')).body.total).toBe(3);
    expect((await get('/v1/quarantine?queue=Not%20a%20queue')).status).toBe(400);

    const list = await cli(['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('2 dead-lettered actions');
    expect(list.stdout).toContain('c-1  j-1  email  provider refused: 550');
    const [first, second] = filtered.body.messages.map((m) => m.id) as [string, string];
    const other = (await get('/v1/quarantine?queue=profile-updates')).body.messages[0]?.id as string;

    const one = await cli(['redrive', first, other, '--json']);
    expect(one.code).toBe(1);
    expect(JSON.parse(one.stdout)).toEqual({ replayed: [first], unknown: [other] });
    const all = await cli(['redrive', '--all']);
    expect(all).toMatchObject({ code: 0, stdout: '1 sent back to the actions queue\n' });
    expect((await get('/v1/quarantine?queue=actions')).body.total).toBe(0);
    expect((await get('/v1/quarantine')).body.messages.map((m) => m.id)).toEqual([other]);

    const received = await runtime.queue.receive('actions', { max: 10 });
    expect(received.map((r) => JSON.parse(r.body).key).sort()).toEqual(['k-1', 'k-2']);
    expect(second).toBeDefined();
    expect((await cli(['list'])).stdout).toBe('no dead-lettered actions\n');
  });

  it('refuses a bad command line with one line and exit code 2', async () => {
    const neither = await cli(['redrive']);
    expect(neither.code).toBe(2);
    expect(neither.stderr.split('\n')[0]).toBe('growthloop dlq redrive: name the actions to redrive, or --all');
    expect((await cli(['redrive', 'x', '--all'])).code).toBe(2);
    expect((await cli(['purge'])).stderr.split('\n')[0]).toBe(
      'growthloop dlq purge: unknown command "purge" (list or redrive)',
    );
    expect(await runDlqCli(['list', '--url', runtime.url], { out: () => {}, err: () => {} })).toBe(
      process.env.GROWTHLOOP_ADMIN_KEY ? 0 : 2,
    );
    expect((await cli(['list', '--help'])).stdout.startsWith('Usage:\n  growthloop dlq list')).toBe(true);
  });
});
