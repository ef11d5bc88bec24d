import { afterAll, describe, expect, it } from 'vitest';
import { createWorkerRenderer } from '../../../../functions/adapters/templates/worker-renderer';
import { TemplateError } from '../../../../functions/core/templates/errors';
import { sampleContext } from '../../../../functions/core/templates/sample';
import type { PartsOf, TemplateContext } from '../../../../functions/core/templates/schema';

const tenant = { id: 'shop-1', currency: 'EUR', timezone: 'Europe/Berlin' };
const context: TemplateContext = sampleContext(tenant);
const renderer = createWorkerRenderer();
afterAll(() => renderer.close());

const push = (body: string): PartsOf => ({ channel: 'push', parts: { body } });

/** The error a render threw (the test fails if it rendered). */
async function failure(parts: PartsOf, ctx: TemplateContext = context): Promise<TemplateError> {
  try {
    const rendered = await renderer.render(parts, ctx);
    throw new Error(`expected a TemplateError, rendered ${JSON.stringify(rendered).slice(0, 200)}`);
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return e;
  }
}

describe('rendering each channel', () => {
  it('an e-mail renders its subject, text and HTML, escaping values in the HTML part only', async () => {
    const ctx = sampleContext(tenant, {
      profile: { ...sampleContext(tenant).profile!, traits: { first_name: 'Ana <b>&</b>' } },
    });
    const rendered = await renderer.render(
      {
        channel: 'email',
        parts: {
          subject: 'Hi {{ profile.traits.first_name }},\r\nBcc: x@example.com',
          text: 'Hello {{ profile.traits.first_name }}: {{ coupon.code }}',
          html: '<p>Hello {{ profile.traits.first_name }}</p>{{ "<i>ok</i>" | raw }}',
        },
      },
      ctx,
    );
    expect(rendered).toEqual({
      channel: 'email',
      // One header line: a line break in a value cannot add a header.
      subject: 'Hi Ana <b>&</b>, Bcc: x@example.com',
      text: 'Hello Ana <b>&</b>: SAMPLE-7K3Q',
      html: '<p>Hello Ana &lt;b&gt;&amp;&lt;/b&gt;</p><i>ok</i>',
    });
  });

  it('an SMS renders its body unescaped, and money in minor units formats for its currency', async () => {
    const rendered = await renderer.render(
      {
        channel: 'sms',
        parts: { body: 'Cart {{ profile.cart.value | money }} & {{ profile.cart.value | money: "de-DE" }}' },
      },
      context,
    );
    expect(rendered).toEqual({ channel: 'sms', body: 'Cart €59.90 & 59,90\u00a0€' });
  });

  it('a push renders its title and body', async () => {
    const rendered = await renderer.render(
      { channel: 'push', parts: { title: '{{ tenant.id }}', body: '{{ profile.cart.itemCount }} items wait' } },
      context,
    );
    expect(rendered).toEqual({ channel: 'push', title: 'shop-1', body: '2 items wait' });
  });

  it('a webhook renders JSON, and output that is not JSON fails as output', async () => {
    const rendered = await renderer.render(
      {
        channel: 'webhook',
        parts: { json: '{"customer": {{ profile.customerId | json }}, "name": {{ profile.traits.name | json }}}' },
      },
      sampleContext(tenant, { profile: { ...context.profile!, traits: { name: 'He said "hi"\n</script>' } } }),
    );
    expect(rendered).toEqual({
      channel: 'webhook',
      json: { customer: 'sample-customer', name: 'He said "hi"\n</script>' },
    });
    const error = await failure({ channel: 'webhook', parts: { json: '{"name": {{ profile.traits.name }}}' } });
    expect(error.code).toBe('output');
    expect(error.part).toBe('webhook.json');
  });
});

describe('strict variables and filters', () => {
  it('a missing variable fails the render naming it (its first missing step)', async () => {
    const { coupon: _, ...withoutCoupon } = context;
    const error = await failure(push('Your code: {{ coupon.code }}'), withoutCoupon);
    expect(error.code).toBe('variable');
    expect(error.variable).toBe('coupon');
    expect(error.message).toContain('undefined variable: coupon');
    const { code: _code, ...codeless } = context.coupon!;
    expect(
      (
        await failure(push('Your code: {{ coupon.code }}'), {
          ...context,
          coupon: codeless as NonNullable<TemplateContext['coupon']>,
        })
      ).variable,
    ).toBe('coupon.code');
  });

  it('a missing trait fails, unless the template tests for it or gives a default', async () => {
    expect((await failure(push('Hi {{ profile.traits.nickname }}'))).variable).toBe('profile.traits.nickname');
    const rendered = await renderer.render(
      push('Hi {{ profile.traits.nickname | default: "there" }}{% if profile.traits.vip %}!{% endif %}'),
      context,
    );
    expect(rendered).toEqual({ channel: 'push', body: 'Hi there' });
  });

  it('an unknown filter fails as a parse error', async () => {
    expect((await failure(push('{{ tenant.id | shout }}'))).code).toBe('parse');
  });

  it('includes, renders and layouts are not tags: a template is only its own text', async () => {
    for (const text of ["{% include 'secrets' %}", "{% render '/etc/passwd' %}", "{% layout 'base' %}x"]) {
      const error = await failure(push(text));
      expect(error.code).toBe('parse');
      expect(error.message).toMatch(/not found/);
    }
  });
});

describe('prototype names do not leak', () => {
  it.each([
    '{{ profile.constructor }}',
    '{{ profile.__proto__ }}',
    '{{ profile.traits.constructor.name }}',
    '{{ tenant.id.constructor }}',
    '{{ profile.tags.constructor }}',
    '{{ coupon["__proto__"] }}',
    '{{ profile.traits.hasOwnProperty }}',
  ])('%s is a missing variable', async (text) => {
    const error = await failure(push(text));
    expect(error.code).toBe('variable');
  });

  it('a trait named constructor or __proto__ is an entry like any other', async () => {
    const traits = JSON.parse('{"constructor": "c", "__proto__": "p"}') as Record<string, string>;
    const rendered = await renderer.render(
      push('{{ profile.traits.constructor }}{{ profile.traits["__proto__"] }}'),
      sampleContext(tenant, { profile: { ...context.profile!, traits } }),
    );
    expect(rendered).toEqual({ channel: 'push', body: 'cp' });
  });
});

describe('published advisory payloads end within 1.5 s with a TemplateError, and the next render works', () => {
  const payloads: [string, string][] = [
    ['CVE-2026-44645: an empty for body over a huge range', '{% for i in (1..100000000) %}{% endfor %}'],
    [
      'CVE-2026-44645: nested empty for bodies',
      '{% for a in (1..100000) %}{% for b in (1..100000) %}{% endfor %}{% endfor %}',
    ],
    ['CVE-2026-45357: date padding', "{{ 'now' | date: '%5000000d' }}"],
    ['date padding through a variable', "{% assign f = '%900000000d' %}{{ 'now' | date: f }}"],
    ['deep nesting', `${'{% if true %}'.repeat(2500)}x${'{% endif %}'.repeat(2500)}`],
    ['deep nesting of for loops', `${'{% for i in (1..2) %}'.repeat(1500)}x${'{% endfor %}'.repeat(1500)}`],
    ['deep nesting in a liquid tag', `{% liquid\n${'if true\n'.repeat(3000)}echo 'x'\n${'endif\n'.repeat(3000)}%}`],
    [
      '10^30 iterations of loops nested within the limit',
      `${'{% for i in (1..10) %}'.repeat(30)}${'{% endfor %}'.repeat(30)}`,
    ],
    [
      'a doubling append loop',
      "{% assign s = 'xxxxxxxxxx' %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}",
    ],
    [
      'append in a long loop',
      "{% assign s = '' %}{% for i in (1..10000000) %}{% assign s = s | append: 'abcdefgh' %}{% endfor %}{{ s | size }}",
    ],
    [
      'capture doubling itself',
      "{% assign s = 'ab' %}{% for i in (1..60) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}{{ s | size }}",
    ],
    [
      'an array split and joined to blow up',
      "{% assign a = 'a,a,a,a,a,a,a,a,a,a' | split: ',' %}{% for i in (1..30) %}{% assign a = a | concat: a %}{% endfor %}{{ a | size }}",
    ],
    ['a huge output', `{% for i in (1..200000) %}${'y'.repeat(100)}{% endfor %}`],
    ['cycle over a huge loop', "{% for i in (1..50000000) %}{% cycle '', '' %}{% endfor %}"],
    ['a long tablerow', '{% tablerow i in (1..10000000) %}{% endtablerow %}'],
  ];

  it.each(payloads)('%s', async (_name, text) => {
    const started = performance.now();
    const error = await failure(push(text));
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(TemplateError);
    expect(['limit', 'timeout', 'output', 'parse', 'render']).toContain(error.code);
    expect(elapsed).toBeLessThan(1500);
    expect(await renderer.render(push('after: {{ tenant.id }}'), context)).toEqual({
      channel: 'push',
      body: 'after: shop-1',
    });
  });
});

/** Loops that allocate nothing and, with renderLimit lifted, run for hours. */
const RUNAWAY = '{% for a in (1..100000) %}{% for b in (1..100000) %}{% endfor %}{% endfor %}';

describe('the wall-clock limit', () => {
  it('a render that outruns the cooperative limits is stopped at the limit, and a fresh worker serves the next', async () => {
    // The cooperative limits are lifted here, so only the wall clock can end the render.
    const open = createWorkerRenderer({
      timeoutMs: 1000,
      limits: { renderLimit: 1e9, memoryLimit: 1e12 },
    });
    try {
      expect(await open.render(push('warm'), context)).toEqual({ channel: 'push', body: 'warm' });
      const started = performance.now();
      const error = await open.render(push(RUNAWAY), context).then(
        () => undefined,
        (e: unknown) => e,
      );
      const elapsed = performance.now() - started;
      expect(error).toBeInstanceOf(TemplateError);
      expect((error as TemplateError).code).toBe('timeout');
      expect(elapsed).toBeLessThan(1500);
      expect(await open.render(push('next {{ tenant.id }}'), context)).toEqual({
        channel: 'push',
        body: 'next shop-1',
      });
      expect(open.stats()).toMatchObject({ timeouts: 1, spawns: 2, crashes: 0 });
    } finally {
      await open.close();
    }
  });

  it('renders queued behind a runaway one wait for a fresh worker and then render', async () => {
    const open = createWorkerRenderer({ timeoutMs: 500, limits: { renderLimit: 1e9, memoryLimit: 1e12 } });
    try {
      const runaway = open.render(push(RUNAWAY), context);
      const queued = Promise.all([1, 2, 3].map((n) => open.render(push(`n${n}`), context)));
      queued.catch(() => undefined);
      await expect(runaway).rejects.toMatchObject({ code: 'timeout' });
      expect((await queued).map((r) => (r as { body: string }).body)).toEqual(['n1', 'n2', 'n3']);
    } finally {
      await open.close();
    }
  });

  it('a closed renderer refuses renders as unavailable', async () => {
    const closed = createWorkerRenderer();
    await closed.close();
    await expect(closed.render(push('x'), context)).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('a worker entry point that does not exist fails renders as unavailable, never renders unsandboxed', async () => {
    const broken = createWorkerRenderer({ workerUrl: new URL('./no-such-worker.mjs', import.meta.url), execArgv: [] });
    try {
      await expect(broken.render(push('x'), context)).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      await broken.close();
    }
  });
});

describe('checking a template', () => {
  it('a template may read only the template variables, with its own assigns and loop variables', async () => {
    await expect(
      renderer.check([
        {
          path: 'channels.push.body',
          text: '{% assign c = coupon.code %}{% for t in profile.tags %}{{ t }}{% endfor %}{{ c }}{{ unsubscribe_url }}',
          html: false,
        },
      ]),
    ).resolves.toBeNull();
    await expect(
      renderer.check([{ path: 'channels.push.body', text: '{{ secrets.key | default: "" }}', html: false }]),
    ).rejects.toMatchObject({ code: 'parse', part: 'channels.push.body', variable: 'secrets.key' });
    await expect(renderer.check([{ path: 'channels.email.html', text: '{% if %}', html: true }])).rejects.toMatchObject(
      { code: 'parse', part: 'channels.email.html' },
    );
  });
});

describe('throughput', () => {
  it('renders an e-mail in the worker fast enough for the dispatcher (reported, loosely bounded)', async () => {
    const email: PartsOf = {
      channel: 'email',
      parts: {
        subject: '{{ profile.traits.first_name }}, your cart is waiting',
        text: 'Hi {{ profile.traits.first_name }}, {{ profile.cart.itemCount }} items for {{ profile.cart.value | money }}. Code {{ coupon.code }}. {{ unsubscribe_url }}',
        html: '<p>Hi {{ profile.traits.first_name }}</p><p>{{ profile.cart.value | money }}</p><a href="{{ unsubscribe_url }}">unsubscribe</a>',
      },
    };
    await renderer.render(email, context);
    const n = 2000;
    const sequentialStart = performance.now();
    for (let i = 0; i < n; i++) await renderer.render(email, context);
    const sequential = n / ((performance.now() - sequentialStart) / 1000);
    // As the dispatcher calls it: 16 actions in parallel.
    const pipelinedStart = performance.now();
    let left = n;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (left-- > 0) await renderer.render(email, context);
      }),
    );
    const pipelined = n / ((performance.now() - pipelinedStart) / 1000);
    console.log(
      `template renders (1 worker, e-mail with 3 parts): ${Math.round(sequential)}/s one at a time, ${Math.round(pipelined)}/s 16 in parallel`,
    );
    expect(sequential).toBeGreaterThan(100);
  });
});
