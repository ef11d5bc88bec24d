// An action's template rendered for its channel, with the customer as templates see them.
import type { RenderedParts } from '../../core/dispatch/outgoing';
import { TemplateError } from '../../core/templates/errors';
import type { TemplateRenderer } from '../../core/templates/renderer';
import { templateProfile } from '../../core/templates/schema';
import type { Store } from '../../ports';
import { renderTemplate } from '../templates/run';
import { type RenderInput, TemplateFailure } from './run';

/** Renders through the tenant's templates; a template that is missing or fails to render is a TemplateFailure. */
export function createRender(deps: { store: Store; renderer: TemplateRenderer }) {
  return async function render(input: RenderInput): Promise<RenderedParts> {
    const { message, profile, channel, tenant, coupon } = input;
    const templateId = 'template' in message.action ? message.action.template : undefined;
    if (!templateId) {
      // A webhook without a template carries the action itself.
      return { json: { journeyId: message.journeyId, activity: message.activity, customerId: message.customerId } };
    }
    try {
      const { rendered } = await renderTemplate(deps, {
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
