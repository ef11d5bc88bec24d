// An action's template rendered for its channel, with the customer as templates see them.
import type { TenantRecord } from '../../core/config/tenants';
import type { RenderedParts } from '../../core/dispatch/outgoing';
import { signUnsubscribeToken, UNSUBSCRIBE_CHANNELS, unsubscribeUrl } from '../../core/dispatch/unsubscribe';
import { TemplateError } from '../../core/templates/errors';
import type { TemplateRenderer } from '../../core/templates/renderer';
import { templateProfile } from '../../core/templates/schema';
import type { Clock, Store } from '../../ports';
import { cachedTemplateReads } from '../templates/cache';
import { renderTemplate } from '../templates/run';
import { type RenderInput, TemplateFailure } from './run';

/** What one-click unsubscribe links are made of (functions/core/dispatch/unsubscribe.ts). */
export type UnsubscribeLinks = {
  /**
   * The tenant's unsubscribeSecret; undefined when it has none (its messages carry no link). A read that fails
   * throws: the action is tried again rather than sent without its link.
   */
  secretOf(tenantId: string): Promise<string | undefined>;
  /** The base URL the links point at when the tenant sets no dispatch.publicUrl: the HTTP API's own. */
  publicUrl?: string;
};

/**
 * The unsubscribe link of a marketing message on e-mail, SMS or push (a transactional one, or a webhook, has
 * none), or undefined when the tenant has no secret or no public URL is known.
 */
export async function unsubscribeLinkFor(
  links: UnsubscribeLinks | undefined,
  input: Pick<RenderInput, 'message' | 'channel'> & { tenant: Pick<TenantRecord, 'id' | 'dispatch'> },
): Promise<string | undefined> {
  const { message, channel, tenant } = input;
  if (!links || message.purpose === 'transactional' || message.testTo !== undefined) return undefined;
  const linked = UNSUBSCRIBE_CHANNELS.find((c) => c === channel);
  if (!linked) return undefined;
  const base = tenant.dispatch?.publicUrl ?? links.publicUrl;
  if (!base) return undefined;
  const secret = await links.secretOf(tenant.id);
  if (!secret) return undefined;
  const token = signUnsubscribeToken({ tenantId: tenant.id, customerId: message.customerId, channel: linked }, secret);
  return token && unsubscribeUrl(base, token);
}

/**
 * Renders through the tenant's templates (their reads kept in the process, see cachedTemplateReads); a
 * template that is missing or fails to render is a TemplateFailure. A marketing message gets its one-click
 * unsubscribe link as the variable `unsubscribe_url` and on the parts as `unsubscribeUrl`.
 */
export function createRender(deps: {
  store: Pick<Store, 'get'>;
  clock: Clock;
  renderer: TemplateRenderer;
  unsubscribe?: UnsubscribeLinks;
}) {
  const templates = { store: cachedTemplateReads(deps.store, deps.clock), renderer: deps.renderer };
  return async function render(input: RenderInput): Promise<RenderedParts> {
    const { message, profile, channel, tenant, coupon } = input;
    const templateId = 'template' in message.action ? message.action.template : undefined;
    if (!templateId) {
      // A webhook without a template carries the action itself.
      return { json: { journeyId: message.journeyId, activity: message.activity, customerId: message.customerId } };
    }
    const link = await unsubscribeLinkFor(deps.unsubscribe, input);
    try {
      const { rendered } = await renderTemplate(templates, {
        tenantId: tenant.id,
        templateId,
        channel,
        context: {
          profile: templateProfile(profile),
          tenant: { id: tenant.id, currency: tenant.currency, timezone: tenant.timezone },
          ...(coupon ? { coupon } : {}),
          ...(link ? { unsubscribe_url: link } : {}),
        },
      });
      const { channel: _, ...parts } = rendered;
      return link ? { ...parts, unsubscribeUrl: link } : parts;
    } catch (e) {
      // A renderer that is not there is this process's trouble, not the template's: the action is tried again.
      if (e instanceof TemplateError && e.code !== 'unavailable') throw new TemplateFailure(`${e.code}: ${e.message}`);
      throw e;
    }
  };
}
