import type { TenantDirectory } from '../../core/config/tenants';
import type { Bus, Clock, Log, Metrics, Queue, Store, Timers } from '../../ports';

/** Every port a use case may be given; each use case names the ones it needs (`Pick<AppPorts, ...>`). */
export type AppPorts = {
  store: Store;
  bus: Bus;
  queue: Queue;
  timers: Timers;
  clock: Clock;
  tenants: TenantDirectory;
  log: Log;
  /** Counters for dashboards and alarms; none are kept without it. */
  metrics?: Metrics;
};
