/**
 * Why a template did not render. Every failure of a render is one of these, so the dispatcher
 * can skip the action as `template` with a reason a marketer can act on, before anything is sent.
 */

export const TEMPLATE_ERROR_CODES = [
  /** The Liquid does not parse, names an unknown filter or tag, or reads a variable templates may not use. */
  'parse',
  /** A variable the render was not given (strict variables): `variable` names it. */
  'variable',
  /** A Liquid limit: parse length, render time or memory (loops, `append`, `date` padding…). */
  'limit',
  /** The render did not answer within the wall-clock limit: its worker was terminated. */
  'timeout',
  /** The output is too long for its part, or a webhook's output is not JSON. */
  'output',
  /** Any other failure while rendering (a filter given a value it cannot take…). */
  'render',
  /** The template (or the version asked for) does not exist. */
  'not_found',
  /** The render could not run: the renderer is closed, or its worker failed. */
  'unavailable',
] as const;
export type TemplateErrorCode = (typeof TEMPLATE_ERROR_CODES)[number];

export class TemplateError extends Error {
  readonly code: TemplateErrorCode;
  /** The part that failed, as `email.subject`, `push.body`, `webhook.json`. */
  readonly part?: string;
  /** The missing variable, as the template wrote it (`coupon.code`), for `variable`. */
  readonly variable?: string;
  constructor(code: TemplateErrorCode, message: string, options: { part?: string; variable?: string } = {}) {
    super(message);
    this.name = 'TemplateError';
    this.code = code;
    if (options.part !== undefined) this.part = options.part;
    if (options.variable !== undefined) this.variable = options.variable;
  }

  /** A plain object, to cross a worker boundary or go into a skip reason. */
  toJSON(): TemplateErrorJson {
    return {
      code: this.code,
      message: this.message,
      ...(this.part !== undefined ? { part: this.part } : {}),
      ...(this.variable !== undefined ? { variable: this.variable } : {}),
    };
  }

  static fromJSON(json: TemplateErrorJson): TemplateError {
    return new TemplateError(json.code, json.message, json);
  }
}

export type TemplateErrorJson = { code: TemplateErrorCode; message: string; part?: string; variable?: string };

export const isTemplateErrorJson = (value: unknown): value is TemplateErrorJson =>
  typeof value === 'object' &&
  value !== null &&
  TEMPLATE_ERROR_CODES.includes((value as { code: TemplateErrorCode }).code) &&
  typeof (value as { message: unknown }).message === 'string';
