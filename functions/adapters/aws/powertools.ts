// Logs and metrics of a Lambda function through Powertools: JSON lines with the request id, cold
// start and trace id the Logger adds, and counters in CloudWatch's embedded metric format,
// flushed at the end of each invocation (namespace growthloop).
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { Log, Metrics } from '../../ports';
import { SERVICE } from '../log';

export type Observability = {
  log: Log;
  metrics: Metrics;
  /** Adds the invocation's context to every log line and flushes the metrics after it. */
  middlewares: MiddlewareObj[];
};

export function powertools(functionName: string): Observability {
  const logger = new Logger({ serviceName: SERVICE, persistentKeys: { function: functionName } });
  const counters = new PowertoolsMetrics({ namespace: SERVICE, serviceName: SERVICE, logger });
  // Powertools' own middleware warns on every invocation that counted nothing (most admin calls).
  const flush = async () => {
    if (counters.hasStoredMetrics()) counters.publishStoredMetrics();
  };
  return {
    log: {
      info: (message, fields) => logger.info(message, fields ?? {}),
      warn: (message, fields) => logger.warn(message, fields ?? {}),
      error: (message, fields) => logger.error(message, fields ?? {}),
    },
    metrics: {
      count(name, value, dimensions = {}) {
        if (Object.keys(dimensions).length === 0) return void counters.addMetric(name, MetricUnit.Count, value);
        // Dimensions of one metric only: a single metric is written at once, apart from the others.
        const single = counters.singleMetric();
        for (const [key, v] of Object.entries(dimensions)) single.addDimension(key, v);
        single.addMetric(name, MetricUnit.Count, value);
      },
    },
    middlewares: [injectLambdaContext(logger), { after: flush, onError: flush }],
  };
}
