/**
 * The worker thread that renders templates (worker-renderer.ts starts it). It answers one request
 * at a time, in order: `{id, op: 'render', parts, context}` or `{id, op: 'check', sources}`, with
 * `{id, ok: true, result}` or `{id, ok: false, error: TemplateErrorJson}`. It posts `{ready: true}`
 * once loaded. A render that runs away is not its problem: the parent terminates the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TemplateError } from '../../core/templates/errors';
import { asTemplateError, createLiquidRenderer, DEFAULT_LIQUID_LIMITS, type LiquidLimits } from './liquid';

export type WorkerRequest =
  | {
      id: number;
      op: 'render';
      parts: Parameters<ReturnType<typeof createLiquidRenderer>['render']>[0];
      context: object;
    }
  | { id: number; op: 'check'; sources: Parameters<ReturnType<typeof createLiquidRenderer>['check']>[0] };

const port = parentPort;
if (!port) throw new Error('render-worker.ts runs as a worker thread (see worker-renderer.ts)');

const limits: LiquidLimits = {
  ...DEFAULT_LIQUID_LIMITS,
  ...((workerData as { limits?: Partial<LiquidLimits> })?.limits ?? {}),
};
const renderer = createLiquidRenderer(limits);

port.on('message', (request: WorkerRequest) => {
  try {
    let result: unknown = null;
    if (request.op === 'render') result = renderer.render(request.parts, request.context);
    else renderer.check(request.sources);
    port.postMessage({ id: request.id, ok: true, result });
  } catch (e) {
    const error =
      e instanceof TemplateError ? e : asTemplateError(e, request.op === 'render' ? request.parts.channel : 'template');
    port.postMessage({ id: request.id, ok: false, error: error.toJSON() });
  }
});
port.postMessage({ ready: true });
