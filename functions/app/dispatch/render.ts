// An action's template rendered for its channel, with the customer as templates see them.
import type { RenderedParts } from '../../core/dispatch/outgoing';
import { TemplateError } from '../../core/templates/errors';
import type { TemplateRenderer } from '../../core/templates/renderer';
import { templateProfile } from '../../core/templates/schema';
import type { Clock, Store } from '../../ports';
import { cachedTemplateReads } from '../templates/cache';
import { renderTemplate } from '../templates/run';
import { type RenderInput, TemplateFailure } from './run';

/**
 * Renders through the tenant's templates (their reads kept in the process, see cachedTemplateReads); a
 * template that is missing or fails to render is a TemplateFailure.
 */
export function createRender(deps: { store: Pick<Store, 'get'>; clock: Clock; renderer: TemplateRenderer }) {
  const templates = { store: cachedTemplateReads(deps.store, deps.clock), renderer: deps.renderer };
  return async function render(input: RenderInput): Promise<RenderedParts> {
    const { message, profile, channel, tenant, coupon } = input;
    const templateId = 'template' in message.action ? message.action.template : undefined;
    if (!templateId) {
      // A webhook without a template carries the action itself.
      return { json: { journeyId: message.journeyId, activity: message.activity, customerId: message.customerId } };
    }
    try {
      const { rendered } = await renderTemplate(templates, {
        tenantId: tenant.id,
        templateId,
        channel,
        context: {
          profile: templateProfile(profile),
          tenant: { id: tenant.id, currency: tenant.currency, timezone: tenant.timezone },
          ...(coupon ? { coupon } : {}),
        },
      });
      const { channel: _, ...parts } = rendered;
      return parts;
    } catch (e) {
      // A renderer that is not there is this process's trouble, not the template's: the action is tried again.
      if (e instanceof TemplateError && e.code !== 'unavailable') throw new TemplateFailure(`${e.code}: ${e.message}`);
      throw e;
    }
  };
}
