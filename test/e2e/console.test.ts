// The console in a real browser (Debian's Chromium, driven by playwright-core) against the local
// runtime seeded with a simulated shop: every page loads and shows the shop's data, and one task per
// page works end to end. The screenshots in the README are taken here (CONSOLE_SCREENSHOTS=docs/screenshots).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { silentLog } from '../../functions/adapters/log';
import { ReferralSettings } from '../../functions/core/referrals/settings';
import { demoConfig } from '../../functions/runtime/config-file';
import { seedDemoShop } from '../../functions/runtime/demo-shop';
import { type LocalRuntime, startLocal } from '../../functions/runtime/local';
import { buildConsole } from '../../scripts/console-build';
import { describeWithBrowser, launchChromium } from '../helpers/browser';
import { postEvents } from '../helpers/events';
import { pipelineSettled } from '../helpers/runtime';

const ROOT = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'growthloop-console-e2e-'));
const shots = process.env.CONSOLE_SCREENSHOTS ? resolve(ROOT, process.env.CONSOLE_SCREENSHOTS) : join(work, 'shots');
const demo = demoConfig();
const tenant = {
  ...demo.tenants[0]!,
  referrals: ReferralSettings.parse({ linkBase: 'https://shop.example.com/invite' }),
  // One target met, one missed by far (an alert), one between.
  kpiTargets: { repurchase90: 0.2, retentionD30: 0.5, monthlyActiveCustomers: 120 },
};
const config = { tenants: [tenant] };
const ISSUER = 'https://idp.example.test/console';
const AUDIENCE = 'growthloop-console';
const abandonedCheckout = readFileSync(join(ROOT, 'examples/journeys/abandoned-checkout.json'), 'utf8');

let runtime: LocalRuntime;
let browser: Browser;
/** The tenant's identity provider: its signing keys served on loopback, and tokens signed with them. */
let jwks: Server;
let signIn: (groups: string[]) => Promise<string>;
let page: Page;
/** A customer of the simulated shop with orders. */
let shopper = '';
const CART_CUSTOMER = 'cart-1';

async function post(batch: object[]) {
  expect((await postEvents(runtime.url, tenant.apiKey, { batch })).status).toBe(202);
  await pipelineSettled(runtime);
}

async function shot(name: string) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}

async function open(section: string) {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: section, exact: true }).click();
}

describeWithBrowser('the console in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const key = { ...(await exportJWK(publicKey)), kid: 'console-e2e', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key] })),
    );
    await new Promise<void>((listening) => jwks.listen(0, '127.0.0.1', listening));
    const jwksUri = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    Object.assign(tenant, { auth: { issuer: ISSUER, audience: AUDIENCE, jwksUri } });
    signIn = (groups) =>
      new SignJWT({ 'cognito:groups': groups, token_use: 'id' })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(`user-${groups.join('-')}`)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
    const consoleDir = join(work, 'console');
    await buildConsole(consoleDir);
    // As `npm start` does: the simulated shop into a data directory, then the runtime over it.
    const dataDir = join(work, 'data');
    const seeded = await seedDemoShop({ config, tenantId: tenant.id, dataDir, customers: 400, days: 120 });
    shopper = seeded.someBuyer;
    runtime = await startLocal({ config, dataDir, port: 0, console: consoleDir, log: silentLog });
    const now = Date.now();
    const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
    // A referral the fraud checks hold: the friend shares the inviter's e-mail address.
    const code = (
      (await (
        await fetch(`${runtime.url}/v1/customers/inviter-1/referral/code`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tenant.adminKey}` },
        })
      ).json()) as { code: string }
    ).code;
    await post([
      {
        type: 'identify',
        eventId: 'e2e-id-1',
        customerId: 'inviter-1',
        occurredAt: at(30),
        properties: { traits: { email: 'same@example.com' } },
      },
      {
        type: 'identify',
        eventId: 'e2e-id-2',
        customerId: 'friend-1',
        occurredAt: at(20),
        properties: { traits: { email: 'same@example.com' } },
      },
    ]);
    await post([
      {
        type: 'invite_accepted',
        eventId: 'e2e-acc-1',
        customerId: 'friend-1',
        occurredAt: at(10),
        properties: { inviteCode: code },
      },
    ]);
    // A checkout left open: the abandoned-checkout e-mail is previewed for this customer.
    await post([
      {
        type: 'checkout_started',
        eventId: 'e2e-checkout-1',
        customerId: CART_CUSTOMER,
        occurredAt: at(60),
        properties: { checkoutId: 'chk-1', value: { amount: 12900, currency: 'EUR' }, itemCount: 2 },
      },
    ]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
  });

  // What the page showed when a step failed, beside the screenshots.
  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && page) await shot(`failed-${task.name.slice(0, 40).replace(/\W+/g, '-')}`);
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.close();
    jwks?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('signs in with the admin key (Enter submits) and shows the shop’s KPIs and retention cohorts', async () => {
    await page.goto(`${runtime.url}/console/`);
    await page.getByLabel('Admin key or token').fill('not-a-key');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('authorization');
    await page.getByLabel('Admin key or token').fill(tenant.adminKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const buyers = page.getByTestId('kpis').getByText('Buyers').locator('..');
    await expect.poll(async () => Number((await buyers.textContent())?.replace(/\D/g, ''))).toBeGreaterThan(0);
    await page.getByTestId('cohort-heatmap').waitFor();
    expect(await page.getByTestId('kpi-targets').textContent()).toContain('repurchase90');
    await shot('overview');
  });

  it('lists the journeys and shows one with its graph, counts and lift with its interval', async () => {
    await open('Journeys');
    await page.getByTestId('journey-list').waitFor();
    await page.getByTestId('journey-list').getByRole('link', { name: '30-day no-login win-back' }).click();
    await page.getByTestId('journey-graph').waitFor();
    await page.getByTestId('lift-panel').first().waitFor();
    expect(await page.getByTestId('lift-panel').first().textContent()).toMatch(/pp \[.+pp, .+pp\]/);
    await shot('journey');
  });

  it('creates, validates, backtests and publishes the abandoned-checkout journey', async () => {
    await open('Journeys');
    await page.getByRole('link', { name: 'New journey' }).click();
    const definition = page.getByLabel('Definition (JSON)');
    const broken = JSON.parse(abandonedCheckout) as { id: string; activities: Record<string, { for?: string }> };
    broken.id = 'abandoned-checkout-2';
    broken.activities['wait-1h']!.for = 'soon';
    await definition.fill(JSON.stringify(broken, null, 2));
    await page.getByRole('button', { name: 'Validate' }).click();
    const problems = page.getByTestId('problems');
    await problems.waitFor();
    expect(await problems.textContent()).toContain('wait-1h');
    await shot('journey-editor');
    broken.activities['wait-1h']!.for = '1h';
    await definition.fill(JSON.stringify(broken, null, 2));
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByText('The journey is valid.').waitFor();
    await page.getByRole('button', { name: 'Backtest' }).click();
    await page.getByTestId('backtest-report').waitFor();
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('heading', { name: 'Abandoned checkout' }).waitFor();
    await expect.poll(() => page.getByText('Live', { exact: true }).count()).toBeGreaterThan(0);
  });

  it('offers an analyst signed in at the identity provider what the role may do: reads, not publishing', async () => {
    const asRole = async (groups: string[]) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
      await context.addInitScript((token) => sessionStorage.setItem('growthloop.token', token), await signIn(groups));
      const tab = await context.newPage();
      await tab.goto(`${runtime.url}/console/#/journeys/winback-no-login`);
      await tab.getByTestId('journey-graph').waitFor();
      return { context, tab, pause: tab.getByRole('button', { name: 'Pause', exact: true }) };
    };
    const analyst = await asRole(['analyst']);
    expect(await analyst.tab.getByTestId('signed-in-roles').textContent()).toBe('Signed in as analyst');
    expect(await analyst.pause.isDisabled()).toBe(true);
    expect(await analyst.tab.getByRole('link', { name: 'Edit', exact: true }).count()).toBe(0);
    // The read the role may make is answered: the overview's KPIs.
    await analyst.tab.goto(`${runtime.url}/console/#/`);
    await analyst.tab.getByTestId('cohort-heatmap').waitFor();
    await analyst.context.close();
    const marketer = await asRole(['marketer']);
    expect(await marketer.pause.isEnabled()).toBe(true);
    await marketer.context.close();
  });

  it('previews the journey’s e-mail for one customer', async () => {
    await open('Templates');
    await page
      .getByTestId('template-list')
      .getByRole('link', { name: /cart-coupon|Cart coupon/i })
      .click();
    await page.getByLabel('Preview for customer').fill(CART_CUSTOMER);
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByTestId('template-preview');
    await preview.waitFor();
    expect(await preview.textContent()).toContain('Subject');
    expect(await preview.textContent()).toContain('€129.00');
    expect(await page.frameLocator('iframe[title="E-mail preview"]').locator('body').textContent()).toContain(
      '€129.00',
    );
    await shot('template-preview');
  });

  it('shows a campaign’s runs and the report of a measured run with lift, ROI and the estimate before launch', async () => {
    await open('Campaigns');
    await page.getByTestId('campaign-list').getByRole('link').first().click();
    await page.getByTestId('campaign-runs').waitFor();
    await page.getByTestId('campaign-estimate').waitFor();
    const report = page.getByTestId('campaign-report');
    await report.waitFor();
    expect(await report.textContent()).toContain('Recall rate');
    await shot('campaign');
  });

  it('finds a customer and shows their profile and messages', async () => {
    await open('Customers');
    await page.getByLabel('Customer id').fill(shopper);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByTestId('customer-profile').waitFor();
    expect(await page.getByTestId('customer-profile').textContent()).toContain(shopper);
    await shot('customer');
  });

  it('approves a referral held for review, and the decision is in the audit', async () => {
    await open('Referral review');
    await page.getByLabel('Reviewer').fill('mia');
    await page.getByRole('button', { name: 'Approve the referral of friend-1' }).click();
    await page.getByText('No referral awaits review.').waitFor();
    await page.getByText('Decisions', { exact: true }).click();
    const decisions = page.getByTestId('referral-decisions');
    await decisions.waitFor();
    expect(await decisions.textContent()).toContain('mia');
  });

  it('speaks Simplified Chinese', async () => {
    await page.getByRole('textbox', { name: 'Language' }).click();
    await page.getByRole('option', { name: '简体中文' }).click();
    await page.getByRole('navigation', { name: '栏目' }).getByRole('link', { name: '概览' }).click();
    await page.getByRole('heading', { name: '概览' }).waitFor();
    await page.getByTestId('cohort-heatmap').waitFor();
    await shot('overview-zh-CN');
    await page.getByRole('textbox', { name: '语言' }).click();
    await page.getByRole('option', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });

  it('replays a quarantined event', async () => {
    // Two orders whose totals overflow the profile's counter: the second one is parked in quarantine.
    const half = 2 ** 52 + 1;
    const order = (id: string, minutesAgo: number) => ({
      type: 'order_placed',
      eventId: `e2e-order-${id}`,
      customerId: 'poison-1',
      occurredAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      properties: { orderId: id, total: { amount: half, currency: 'EUR' } },
    });
    await post([order('p-1', 5), order('p-2', 4)]);
    await open('Quarantine & dead letters');
    const list = page.getByTestId('quarantine-list');
    await list.waitFor();
    await shot('quarantine');
    await page.getByLabel('Choose all').check();
    await page.getByRole('button', { name: /Replay [1-9]/ }).click();
    await page.getByText(/^[1-9]\d* replayed\./).waitFor();
  });
});
