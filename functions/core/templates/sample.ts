/**
 * The sample variables a template is rendered against when it is created: every variable present,
 * with the traits most templates read, so that a template that renders here fails later only
 * for a customer or an action that lacks what it reads (that action is then skipped as
 * `template`, naming the variable). A template may read other traits behind `| default: '…'` or
 * `{% if %}`, or the author passes a sample that has them.
 */
import type { TemplateContext, TemplateProfile } from './schema';

export type SampleTenant = { id: string; currency: string; timezone: string };

export function sampleProfile(tenant: SampleTenant): TemplateProfile {
  return {
    customerId: 'sample-customer',
    traits: {
      first_name: 'Alex',
      last_name: 'Doe',
      name: 'Alex Doe',
      email: 'alex@example.com',
      phone: '+15555550100',
      locale: 'en',
    },
    tags: ['sample'],
    counters: { orders: 2, sessions: 5, logins: 3, events: { order_placed: 2, checkout_started: 1 } },
    revenue: { [tenant.currency]: { orders: 2, net: 12_900 } },
    lifecycle: { stage: 'repeat', since: '2026-01-15T10:00:00.000Z' },
    firstSeenAt: '2025-11-02T08:30:00.000Z',
    lastSeenAt: '2026-02-01T19:45:00.000Z',
    firstOrderAt: '2025-11-03T12:00:00.000Z',
    lastOrderAt: '2026-01-15T10:00:00.000Z',
    timezone: tenant.timezone,
    locale: 'en',
    cart: { value: { amount: 5_990, currency: tenant.currency }, itemCount: 2, checkoutId: 'sample-checkout' },
  };
}

/** Every variable, filled; `overrides` replace whole variables (a sample with the traits a template reads). */
export function sampleContext(tenant: SampleTenant, overrides: Partial<TemplateContext> = {}): TemplateContext {
  return {
    profile: sampleProfile(tenant),
    event: {
      type: 'checkout_started',
      occurredAt: '2026-02-01T19:40:00.000Z',
      properties: { checkoutId: 'sample-checkout', value: { amount: 5_990, currency: tenant.currency }, itemCount: 2 },
    },
    offer: { name: 'Sample offer', percent: 10 },
    coupon: {
      code: 'SAMPLE-7K3Q',
      expiresAt: '2026-02-04T19:40:00.000Z',
      kind: 'percent',
      percent: 10,
      minSpend: { amount: 3_000, currency: tenant.currency },
    },
    tenant: { id: tenant.id, currency: tenant.currency, timezone: tenant.timezone },
    unsubscribe_url: 'https://example.com/u/sample-token',
    ...overrides,
  };
}
