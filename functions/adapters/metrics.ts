import type { Metrics } from '../ports';

/**
 * CloudWatch embedded metric format: one JSON line on stdout a count, which Lambda's log
 * delivery turns into a metric in namespace growthloop; locally the same line is a log line.
 */
export function emfMetrics(
  write: (line: string) => void = (line) => console.log(line),
  now = () => Date.now(),
): Metrics {
  return {
    count(name, value, dimensions = {}) {
      const line = {
        _aws: {
          Timestamp: now(),
          CloudWatchMetrics: [
            {
              Namespace: 'growthloop',
              Dimensions: [Object.keys(dimensions)],
              Metrics: [{ Name: name, Unit: 'Count' }],
            },
          ],
        },
        ...dimensions,
        [name]: value,
      };
      write(JSON.stringify(line));
    },
  };
}

export const noMetrics: Metrics = { count() {} };
