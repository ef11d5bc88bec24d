import type { AppPorts } from '../common/ports';

/** Where the scheduled daily run puts one event per tenant; each starts that tenant's own run. */
export const DAILY_SOURCE = 'growthloop.daily';
export const TENANT_DUE = 'daily-run.tenant_due';

export type TenantDue = { tenantId: string };

/** Bus events per PutEvents call (EventBridge's limit). */
const PUT_BATCH = 10;

/**
 * The scheduled start of the daily run: one `daily-run.tenant_due` event per tenant on the bus, so
 * that each tenant's model fit and due pass runs in its own invocation, with its own time limit,
 * retries and failures, and no tenant waits for a larger one.
 */
export function createDailyFanOut(deps: Pick<AppPorts, 'bus' | 'tenants' | 'log'>) {
  return async (): Promise<{ tenants: number }> => {
    const ids = (await deps.tenants.all()).map((t) => t.id);
    for (let i = 0; i < ids.length; i += PUT_BATCH) {
      await deps.bus.put(
        ids.slice(i, i + PUT_BATCH).map((tenantId) => ({
          source: DAILY_SOURCE,
          detailType: TENANT_DUE,
          detail: { tenantId } satisfies TenantDue,
        })),
      );
    }
    deps.log.info('daily run fanned out', { tenants: ids.length });
    return { tenants: ids.length };
  };
}
