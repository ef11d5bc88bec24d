// The templates admin API and `growthloop templates` against a running local runtime.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTemplatesCli } from '../../functions/cli/templates';
import { sampleProfile } from '../../functions/core/templates/sample';
import { demoConfig } from '../../functions/runtime/config-file';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';

const acme = {
  ...demoConfig().tenants[0]!,
  id: 'acme',
  name: 'Acme',
  dispatch: { testRecipients: ['qa@acme.example'] },
};
const globex = { ...demoConfig().tenants[0]!, id: 'globex', name: 'Globex' };
const config = { tenants: [acme, globex] };
const dir = mkdtempSync(join(tmpdir(), 'growthloop-templates-'));
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocal({ config, dataDir: '', memory: true, port: 0, daily: false });
});
afterAll(() => runtime.close());

type Answer = { status: number; body: Record<string, unknown> };

async function call(method: string, path: string, body?: unknown, key: string = acme.adminKey): Promise<Answer> {
  const res = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const reminder = (id = 'cart-reminder', subject = 'Hi {{ profile.traits.first_name }}') => ({
  id,
  name: 'Cart reminder',
  channels: {
    email: { subject, text: 'Your cart: {{ profile.cart.itemCount }} items' },
    sms: { body: 'Code {{ coupon.code }}' },
  },
});

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runTemplatesCli([...args, '--url', runtime.url, '--admin-key', acme.adminKey], {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

async function identify(customerId: string, traits: Record<string, string>) {
  const res = await fetch(`${runtime.url}/v1/events`, {
    method: 'POST',
    headers: { 'x-api-key': acme.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'identify',
      eventId: `identify-${customerId}`,
      customerId,
      occurredAt: new Date(Date.now() - 60_000).toISOString(),
      properties: { traits },
    }),
  });
  expect(res.status).toBe(202);
  for (let i = 0; i < 200; i++) {
    const profile = await call('GET', `/v1/customers/${customerId}`);
    if (profile.status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the profile of ${customerId} was never folded`);
}

describe('POST /v1/templates', () => {
  it('creates version 1, then version 2 of the same id, and lists the head', async () => {
    const first = await call('POST', '/v1/templates', reminder());
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id: 'cart-reminder', version: 1, createdAt: expect.any(String) });
    const second = await call(
      'POST',
      '/v1/templates',
      reminder('cart-reminder', 'Hello {{ profile.traits.first_name }}'),
    );
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ id: 'cart-reminder', version: 2 });
    const list = await call('GET', '/v1/templates');
    expect(list.status).toBe(200);
    expect(list.body.templates).toContainEqual(
      expect.objectContaining({ templateId: 'cart-reminder', latest: 2, channels: ['email', 'sms'] }),
    );
    expect((await call('GET', '/v1/templates', undefined, globex.adminKey)).body).toEqual({ templates: [] });
  });

  it('refuses a template with every problem by JSON path, and stores nothing', async () => {
    const bad = await call('POST', '/v1/templates', {
      id: 'broken',
      channels: {
        email: { subject: '{{ secret }}', text: '{% if %}' },
        push: { body: '{{ profile.traits.x | nope }}' },
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_template');
    const paths = (bad.body.problems as { path: string }[]).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['$.channels.email.subject', '$.channels.email.text', '$.channels.push.body']),
    );
    expect(bad.body.path).toBe(paths[0]);
    expect((await call('GET', '/v1/templates/broken')).status).toBe(404);

    const shape = await call('POST', '/v1/templates', { id: 'Not An Id', channels: {}, extra: 1 });
    expect(shape.status).toBe(400);
    expect((shape.body.problems as { path: string }[]).map((p) => p.path)).toEqual(
      expect.arrayContaining(['$.id', '$.channels']),
    );
    expect((await call('POST', '/v1/templates', '{nope')).body.error).toBe('invalid_json');
    expect((await call('POST', '/v1/templates', 'null')).status).toBe(400);
  });

  it('checks against the sample given with {template, sample}, with problems under $.template and $.sample', async () => {
    const template = { id: 'tier', channels: { sms: { body: 'Tier {{ profile.traits.tier }}' } } };
    const refused = await call('POST', '/v1/templates', template);
    expect(refused.status).toBe(400);
    expect(refused.body.problems).toContainEqual(
      expect.objectContaining({ path: '$.channels.sms.body', code: 'variable', variable: 'profile.traits.tier' }),
    );
    const profile = { ...sampleProfile({ id: 'acme', currency: 'EUR', timezone: 'UTC' }), traits: { tier: 'gold' } };
    expect(await call('POST', '/v1/templates', { template, sample: { profile } })).toMatchObject({
      status: 201,
      body: { id: 'tier', version: 1 },
    });
    const wrapped = await call('POST', '/v1/templates', { template: { ...template, id: 'x y' } });
    expect(wrapped.body.path).toBe('$.template.id');
    const badSample = await call('POST', '/v1/templates', { template, sample: { unknown: 1 } });
    expect(badSample.status).toBe(400);
    expect(badSample.body.path).toMatch(/^\$\.sample/);
  });
});

describe('GET /v1/templates/{templateId}', () => {
  it('answers the latest version, or the one ?version names; 404 and 400 otherwise', async () => {
    await call('POST', '/v1/templates', reminder('versions'));
    await call('POST', '/v1/templates', reminder('versions', 'Second {{ profile.customerId }}'));
    expect((await call('GET', '/v1/templates/versions')).body).toMatchObject({ version: 2 });
    const v1 = await call('GET', '/v1/templates/versions?version=1');
    expect(v1.body).toMatchObject({
      version: 1,
      channels: { email: { subject: 'Hi {{ profile.traits.first_name }}' } },
    });
    expect(await call('GET', '/v1/templates/versions?version=7')).toMatchObject({
      status: 404,
      body: { path: 'query.version' },
    });
    for (const v of ['0', 'x', '1.5', '-1', '99999999'])
      expect((await call('GET', `/v1/templates/versions?version=${v}`)).status, v).toBe(400);
    expect((await call('GET', '/v1/templates/missing')).status).toBe(404);
    expect((await call('GET', '/v1/templates/NOT_AN_ID')).status).toBe(404);
    expect((await call('GET', `/v1/templates/${'a'.repeat(200)}`)).status).toBe(400);
    expect((await call('GET', '/v1/templates/versions', undefined, globex.adminKey)).status).toBe(404);
    expect((await call('GET', '/v1/templates/versions', undefined, 'wrong')).status).toBe(401);
  });
});

describe('POST /v1/templates/{templateId}/preview', () => {
  it("renders every channel for a stored customer's profile, with the error that would skip a send", async () => {
    await call('POST', '/v1/templates', reminder('preview'));
    await identify('c-42', { first_name: 'Ada', email: 'ada@example.com' });
    const { status, body } = await call('POST', '/v1/templates/preview/preview', { customerId: 'c-42' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ template: { id: 'preview', version: 1 }, customerId: 'c-42' });
    const channels = body.channels as { channel: string; rendered?: { subject: string }; error?: { code: string } }[];
    expect(channels[0]).toMatchObject({ channel: 'email', rendered: { channel: 'email', subject: 'Hi Ada' } });
    expect(channels[1]).toMatchObject({ channel: 'sms', error: { code: 'variable' } });

    const withCoupon = await call('POST', '/v1/templates/preview/preview', {
      customerId: 'c-42',
      channels: ['sms'],
      variables: { coupon: { code: 'SAVE10' } },
    });
    expect(withCoupon.body.channels).toEqual([{ channel: 'sms', rendered: { channel: 'sms', body: 'Code SAVE10' } }]);
  });

  it('renders for the sample profile by default; refuses bad requests with a path', async () => {
    await call('POST', '/v1/templates', reminder('sample'));
    const sample = await call('POST', '/v1/templates/sample/preview', {});
    expect(sample.status).toBe(200);
    expect(sample.body.customerId).toBe('sample-customer');
    const empty = await call('POST', '/v1/templates/sample/preview', '');
    expect(empty.status).toBe(200);

    expect(await call('POST', '/v1/templates/sample/preview', { customerId: 'nobody' })).toMatchObject({
      status: 404,
      body: { path: '$.customerId' },
    });
    expect((await call('POST', '/v1/templates/nothing/preview', {})).status).toBe(404);
    expect(await call('POST', '/v1/templates/sample/preview', { version: 9 })).toMatchObject({
      status: 404,
      body: { path: '$.version' },
    });
    expect(await call('POST', '/v1/templates/sample/preview', { channels: ['fax'] })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', path: '$.channels[0]' },
    });
    expect(
      await call('POST', '/v1/templates/sample/preview', { customerId: 'c', profile: { customerId: 'c' } }),
    ).toMatchObject({ status: 400 });
    expect(
      await call('POST', '/v1/templates/sample/preview', {
        variables: { tenant: { id: 'x', currency: 'EUR', timezone: 'UTC' } },
      }),
    ).toMatchObject({
      status: 400,
      body: { path: '$.variables.tenant' },
    });
    expect((await call('POST', '/v1/templates/sample/preview', '[')).body.error).toBe('invalid_json');
  });
});

describe('growthloop templates', () => {
  it('create, list, get and preview --customer through the admin API', async () => {
    const file = join(dir, 'welcome.json');
    writeFileSync(file, JSON.stringify(reminder('welcome')));
    const created = await cli(['create', file]);
    expect(created).toMatchObject({ code: 0, stdout: 'template welcome version 1 created\n' });
    expect((await cli(['list'])).stdout).toContain('welcome  v1  email,sms');
    const got = await cli(['get', 'welcome', '--json']);
    expect(JSON.parse(got.stdout)).toMatchObject({ id: 'welcome', version: 1 });

    await identify('c-7', { first_name: 'Grace' });
    const preview = await cli(['preview', 'welcome', '--customer', 'c-7', '--channel', 'email']);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain('welcome version 1 for c-7:');
    expect(preview.stdout).toContain('subject: Hi Grace');
    const skipped = await cli(['preview', 'welcome', '--customer', 'c-7', '--json']);
    expect(skipped.code).toBe(1);
    expect(JSON.parse(skipped.stdout).channels[1]).toMatchObject({ channel: 'sms', error: { code: 'variable' } });
  });

  it('prints the problems of a refused template, and one-line usage errors with exit code 2', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ id: 'bad', channels: { sms: { body: '{{ nope }}' }, push: { body: '{{' } } }));
    const refused = await cli(['create', file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^growthloop templates create: http:\/\/.* answered 400: the template has 2 problems/,
    );
    expect(refused.stderr).toContain('\n  $.channels.sms.body: ');

    const missing = await cli(['preview', 'welcome', '--customer', 'nobody']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('answered 404: no profile for customer nobody');

    expect((await cli(['preview'])).code).toBe(2);
    const both = await cli(['preview', 'x', '--customer', 'a', '--profile', 'p.json']);
    expect(both.stderr.split('\n')[0]).toBe('growthloop templates preview: give --customer or --profile, not both');
    expect((await cli(['get', 'x', '--version', 'two'])).code).toBe(2);
    expect((await cli(['nope'])).stderr.split('\n')[0]).toBe(
      'growthloop templates nope: unknown command "nope" (list, get, create, preview or test)',
    );
    expect((await cli(['create', join(dir, 'none.json')])).stderr).toContain('none.json: no such file');
    const help = await cli(['preview', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.startsWith('Usage:\n  growthloop templates preview ID')).toBe(true);
  });
});

describe('POST /v1/templates/{templateId}/test and growthloop templates test', () => {
  it('sends the template rendered for a customer to a listed test recipient, and refuses any other address', async () => {
    await call('POST', '/v1/templates', reminder('test-send', 'Hi {{ profile.traits.first_name }}'));
    await identify('tess', { first_name: 'Tess', email: 'tess@example.com' });
    const refused = await call('POST', '/v1/templates/test-send/test', {
      customerId: 'tess',
      channel: 'email',
      to: 'tess@example.com',
    });
    expect(refused).toMatchObject({ status: 400, body: { error: 'not_a_test_recipient', path: '$.to' } });
    const run = await cli(['test', 'test-send', '--customer', 'tess', '--channel', 'email', '--to', 'qa@acme.example']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('/v1/customers/tess/timeline');
    let sent: Record<string, unknown> | undefined;
    for (let i = 0; i < 200 && !sent; i++) {
      const outbox = await call('GET', '/v1/outbox');
      sent = (outbox.body.items as Record<string, unknown>[]).find((m) => m.customerId === 'tess');
      if (!sent) await new Promise((r) => setTimeout(r, 50));
    }
    expect(sent).toMatchObject({ channel: 'email', to: 'qa@acme.example', subject: 'Hi Tess' });
  });
});
