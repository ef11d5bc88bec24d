import type { Metrics } from '../ports';
import { SERVICE } from './log';

/**
 * The local runtime's metrics, in the lines Powertools Metrics writes in Lambda: CloudWatch's
 * embedded metric format, one JSON line on stdout a count, namespace growthloop, dimension service.
 */
export function emfMetrics(
  write: (line: string) => void = (line) => console.log(line),
  now = () => Date.now(),
): Metrics {
  return {
    count(name, value, dimensions = {}) {
      const all = { service: SERVICE, ...dimensions };
      const line = {
        _aws: {
          Timestamp: now(),
          CloudWatchMetrics: [
            { Namespace: SERVICE, Dimensions: [Object.keys(all)], Metrics: [{ Name: name, Unit: 'Count' }] },
          ],
        },
        ...all,
        [name]: value,
      };
      write(JSON.stringify(line));
    },
  };
}

export const noMetrics: Metrics = { count() {} };
