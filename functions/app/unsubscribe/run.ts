// One-click unsubscribe: `GET /u/{token}` shows what a click would do and changes nothing (mail scanners and
// link previews fetch every link); `POST /u/{token}` (RFC 8058: the body `List-Unsubscribe=One-Click`, or the
// page's own form) withdraws the customer's consent on the token's channel with a canonical consent_changed
// event, published the way ingested events are. The token, signed with the tenant's unsubscribeSecret, is the
// only credential (functions/core/dispatch/unsubscribe.ts).
import type { TenantSecrets } from '../../core/config/schema';
import {
  type ReadToken,
  readUnsubscribeToken,
  unsubscribeEvent,
  verifyUnsubscribeToken,
} from '../../core/dispatch/unsubscribe';
import type { UnsubscribePage } from '../../core/dispatch/unsubscribe-page';
import { tombstoneKey } from '../../core/privacy/records';
import type { AppPorts } from '../common/ports';
import { type PublishDeps, publishEvents } from '../ingest/publish';

export type UnsubscribeDeps = Pick<AppPorts, 'store' | 'bus' | 'clock' | 'tenants' | 'metrics'> &
  Pick<PublishDeps, 'dataKeys'> & {
    secretsOf: (tenantId: string) => Promise<TenantSecrets | undefined>;
  };

export type UnsubscribeCommand = {
  /** The token as the path carries it (percent-decoded). */
  token: string;
  /** The POST body as text, and its content type. */
  body?: string;
  contentType?: string;
};

/** What to show: the page, and its HTTP status (core/dispatch/unsubscribe-page.ts PAGE_STATUS). */
export type UnsubscribeAnswer = { page: UnsubscribePage };

/** The token read and verified with its tenant's secret, or the page that says why not. */
async function verified(
  deps: UnsubscribeDeps,
  text: string,
): Promise<{ ok: true; token: ReadToken } | { ok: false; page: UnsubscribePage }> {
  const read = readUnsubscribeToken(text);
  if (!read.ok) return { ok: false, page: { kind: 'invalid' } };
  const token = read.value;
  if (!(await deps.tenants.byId(token.tenantId))) return { ok: false, page: { kind: 'unknown_store' } };
  const secret = (await deps.secretsOf(token.tenantId))?.unsubscribeSecret;
  // A tenant whose secret was removed or replaced: its old links cannot be told from forgeries.
  if (!verifyUnsubscribeToken(token, secret)) return { ok: false, page: { kind: 'invalid' } };
  return { ok: true, token };
}

/** GET: the confirmation page, whose button POSTs. Never changes anything. */
export async function showUnsubscribe(deps: UnsubscribeDeps, command: UnsubscribeCommand): Promise<UnsubscribeAnswer> {
  const check = await verified(deps, command.token);
  if (!check.ok) return { page: check.page };
  return { page: { kind: 'confirm', channel: check.token.channel } };
}

/**
 * Whether a POST body asks to unsubscribe: RFC 8058's `List-Unsubscribe=One-Click` (form-encoded or multipart), or
 * nothing at all; a `List-Unsubscribe` field with another value is refused.
 */
export function isOneClickBody(body: string | undefined, contentType: string | undefined): boolean {
  const text = (body ?? '').trim();
  if (text === '') return true;
  if (/^\s*multipart\/form-data/i.test(contentType ?? '')) return true;
  const values = new URLSearchParams(text).getAll('List-Unsubscribe');
  return values.every((v) => v === 'One-Click');
}

/**
 * POST: the customer's consent on the token's channel withdrawn, then the page that says so. The event id comes
 * from the token (and the day), so a repeat changes nothing; a customer erased since gets the same page and
 * nothing is published, so an old link cannot bring them back.
 */
export async function confirmUnsubscribe(
  deps: UnsubscribeDeps,
  command: UnsubscribeCommand,
): Promise<UnsubscribeAnswer> {
  const check = await verified(deps, command.token);
  if (!check.ok) return { page: check.page };
  if (!isOneClickBody(command.body, command.contentType)) return { page: { kind: 'bad_request' } };
  const { token } = check;
  const erased = await deps.store.get(tombstoneKey(token.tenantId, token.customerId), { consistent: true });
  if (!erased) {
    await publishEvents(deps, [unsubscribeEvent(token, deps.clock.now())]);
    deps.metrics?.count('Unsubscribes', 1, { channel: token.channel });
  }
  return { page: { kind: 'done', channel: token.channel } };
}
