// Tenants and a bus for tests of the profile and lifecycle functions.
import { type TenantRecord, tenantDirectory } from '../../functions/core/config/tenants';
import type { DispatchSettings } from '../../functions/core/dispatch/settings';
import type { ScoringSettings } from '../../functions/core/scoring/settings';
import type { Bus, BusEvent } from '../../functions/ports';

/** A directory of tenants known by id only (no keys), in EUR unless told. */
export const testTenants = (
  ids: string[],
  options: { currency?: string; timezone?: string; scoring?: ScoringSettings; dispatch?: DispatchSettings } = {},
) =>
  tenantDirectory(
    ids.map(
      (id): TenantRecord => ({
        id,
        timezone: options.timezone ?? 'UTC',
        currency: options.currency ?? 'EUR',
        apiKeySha256: `api-${id}`,
        adminKeySha256: `admin-${id}`,
        ...(options.scoring ? { scoring: options.scoring } : {}),
        ...(options.dispatch ? { dispatch: options.dispatch } : {}),
      }),
    ),
  );

/** A bus that keeps what was put on it. */
export function recordingBus(): Bus & { events: BusEvent[] } {
  const events: BusEvent[] = [];
  return {
    events,
    async put(batch) {
      events.push(...batch);
    },
  };
}

/**
 * One customer's 400 days, what they do on which day: the same story for the pure state machine
 * and the daily run, so both tell the same lifecycle.
 */
export const customerStory: Readonly<Record<number, readonly ('session' | 'order' | 'login' | 'recall')[]>> = {
  0: ['session'],
  5: ['order'],
  20: ['order'],
  120: ['recall'],
  130: ['order'],
  150: ['login'],
  180: ['order'],
  200: ['order'],
};
