/**
 * The renderer port (proposed for functions/ports.ts; kept here until it moves): the use cases
 * render and check templates through it, the adapter (functions/adapters/templates/) runs Liquid
 * in a worker thread it terminates when a render runs over its wall-clock limit.
 */
import type { PartsOf, RenderedTemplate, TemplateContext } from './schema';

/** One part's Liquid text to check: where it is in the template, and whether it is an HTML part. */
export type PartSourceToCheck = { path: string; text: string; html: boolean };

export interface TemplateRenderer {
  /**
   * The parts of one channel rendered against `context`. Throws TemplateError (missing variable,
   * limit, timeout, output too long, webhook output not JSON…); never anything else.
   */
  render(parts: PartsOf, context: TemplateContext): Promise<RenderedTemplate>;
  /**
   * Parses each text and checks that it reads only the template variables (TEMPLATE_VARIABLES);
   * throws TemplateError naming the first part that does not (`part` is its path).
   */
  check(sources: readonly PartSourceToCheck[]): Promise<void>;
  /** Stops the workers; renders after this fail as `unavailable`. */
  close(): Promise<void>;
}
