/**
 * The HTTP Retry-After header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Pure: the
 * caller passes the time the answer came (epoch milliseconds) to measure a date against.
 */

const DELAY_SECONDS = /^\d{1,10}$/;
/** IMF-fixdate (the form senders must use) and the obsolete RFC 850 form, both in GMT. */
const HTTP_DATE = /^[A-Za-z]{3,9}, ?\d{1,2}[ -][A-Za-z]{3}[ -]\d{2,4} \d{2}:\d{2}:\d{2} GMT$/;
/** The obsolete asctime form has no zone, and is GMT: Date.parse would read it as local time. */
const ASCTIME = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * How long the sender asked to wait, in milliseconds from `nowMs` (0 for a date in the past),
 * or undefined when the header is absent or not one of the two forms.
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, nowMs: number): number | undefined {
  const raw = typeof value === 'string' ? value : value?.[0];
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (DELAY_SECONDS.test(text)) return Number(text) * 1_000;
  const at = HTTP_DATE.test(text) ? Date.parse(text) : ASCTIME.test(text) ? Date.parse(`${text} GMT`) : Number.NaN;
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - nowMs);
}
