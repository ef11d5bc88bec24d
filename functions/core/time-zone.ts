import { z } from 'zod';

// The one rule for a time zone, wherever one comes in (tenant config, canonical events, platform
// payloads, journeys): an IANA name the runtime's ICU data knows, with its daylight-saving rules.
//
// - Area/Location names ("Asia/Shanghai", "America/Argentina/Buenos_Aires"), their links
//   ("Asia/Calcutta", "US/Eastern"), the Etc zones ("Etc/UTC", "Etc/GMT+8") and "UTC" itself,
//   in any letter case, as Intl accepts them.
// - Not fixed offsets ("+08:00", which Intl also accepts): they have no daylight-saving rules.
// - Not the legacy names without a slash ("EST", "CST", "PRC", "Japan"): abbreviations are
//   ambiguous (CST is Central Standard, China Standard and Cuba Standard Time).
//
// Callers decide what an invalid zone means: the schemas refuse it, the platform mappings drop it.

export const IANA_TIME_ZONE_MESSAGE = 'must be an IANA time zone such as Asia/Shanghai or Europe/Berlin';

/** Names found valid, to skip Intl next time; bounded, as letter case makes many spellings of one zone. */
const known = new Set<string>();
const KNOWN_AT_MOST = 2000;

/** Whether `name` is an IANA time zone by the rule above. Never throws. */
export function isIanaTimeZone(name: unknown): name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 64) return false;
  if (known.has(name)) return true;
  if (!name.includes('/') && name.toUpperCase() !== 'UTC') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
  } catch {
    return false;
  }
  if (known.size < KNOWN_AT_MOST) known.add(name);
  return true;
}

/** An IANA time zone name (see isIanaTimeZone); anything else fails with IANA_TIME_ZONE_MESSAGE. */
export const IanaTimeZone = z
  .string({ error: IANA_TIME_ZONE_MESSAGE })
  .refine(isIanaTimeZone, { message: IANA_TIME_ZONE_MESSAGE })
  .describe('an IANA time zone name such as Asia/Shanghai or Europe/Berlin');
export type IanaTimeZone = z.infer<typeof IanaTimeZone>;
