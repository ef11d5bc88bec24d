import { describe, expect, it } from 'vitest';
import { TenantConfig } from '../../../functions/core/config/schema';
import { CanonicalEventInput } from '../../../functions/core/events/schemas';
import { IANA_TIME_ZONE_MESSAGE, IanaTimeZone, isIanaTimeZone } from '../../../functions/core/time-zone';

const VALID = [
  'Asia/Shanghai',
  'Europe/Berlin',
  'America/Argentina/Buenos_Aires',
  'UTC',
  'Etc/UTC',
  'Etc/GMT+8',
  'Asia/Calcutta', // a link, as Intl accepts it
  'US/Eastern',
  'asia/shanghai', // any letter case, as Intl accepts it
];
const INVALID = [
  '',
  '+08:00', // a fixed offset has no daylight-saving rules
  '-03:00',
  'Z',
  'EST', // abbreviations are ambiguous: CST is Central, China and Cuba Standard Time
  'CST',
  'PRC',
  'GMT',
  'Mars/Olympus',
  'New York',
  '(GMT-05:00) Eastern Time (US & Canada)',
  `Europe/${'x'.repeat(100)}`,
];

describe('the one time-zone rule', () => {
  it('accepts IANA Area/Location names, their links, the Etc zones and UTC', () => {
    for (const zone of VALID) expect(isIanaTimeZone(zone), zone).toBe(true);
  });

  it('refuses offsets, abbreviations, unknown names and non-strings', () => {
    for (const zone of INVALID) expect(isIanaTimeZone(zone), zone).toBe(false);
    for (const value of [undefined, null, 8, {}, ['UTC']]) expect(isIanaTimeZone(value)).toBe(false);
  });

  it('is the schema: the same answers, with one clear message, also for a non-string', () => {
    for (const zone of VALID) expect(IanaTimeZone.safeParse(zone).success, zone).toBe(true);
    for (const value of [...INVALID, 8, null, { zone: 'UTC' }]) {
      const parsed = IanaTimeZone.safeParse(value);
      expect(parsed.success, JSON.stringify(value)).toBe(false);
      expect(parsed.error?.issues.map((i) => i.message)).toEqual([IANA_TIME_ZONE_MESSAGE]);
    }
    expect(IANA_TIME_ZONE_MESSAGE).toBe('must be an IANA time zone such as Asia/Shanghai or Europe/Berlin');
  });

  it('is what the tenant config and the canonical identify event check', () => {
    const tenant = (timezone: unknown) => ({
      id: 'shop',
      name: 'Shop',
      timezone,
      currency: 'EUR',
      apiKey: 'a'.repeat(24),
      adminKey: 'b'.repeat(24),
    });
    const identify = (timezone: unknown) => ({
      type: 'identify',
      eventId: 'e1',
      customerId: 'c1',
      occurredAt: '2026-11-20T10:00:00Z',
      properties: { traits: {}, timezone },
    });
    for (const zone of ['Asia/Shanghai', 'UTC']) {
      expect(TenantConfig.safeParse(tenant(zone)).success, zone).toBe(true);
      expect(CanonicalEventInput.safeParse(identify(zone)).success, zone).toBe(true);
    }
    for (const zone of ['EST', '+08:00', 'Mars/Olympus']) {
      const config = TenantConfig.safeParse(tenant(zone));
      expect(config.error?.issues).toMatchObject([{ path: ['timezone'], message: IANA_TIME_ZONE_MESSAGE }]);
      const event = CanonicalEventInput.safeParse(identify(zone));
      expect(event.success, zone).toBe(false);
      expect(JSON.stringify(event.error?.issues)).toContain(IANA_TIME_ZONE_MESSAGE);
    }
  });
});
