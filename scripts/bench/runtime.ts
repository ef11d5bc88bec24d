import { join } from 'node:path';
import { noMetrics } from '../../functions/adapters/metrics';
import type { GrowthloopConfig } from '../../functions/core/config/schema';
import { startLocal } from '../../functions/runtime/local';

/** `npm start` as the benches measure it: its table on disk under `dir`, any free port, no daily run, no metrics. */
export const startBenchRuntime = (dir: string, config: GrowthloopConfig) =>
  startLocal({ config, dataDir: join(dir, 'runtime'), port: 0, daily: false, metrics: noMetrics });
