// One classification of AWS SDK v3 errors into the Channels port's ProviderError kinds, shared by the
// SES v2, SNS push and End User Messaging SMS adapters. None of these providers takes an idempotency
// token, so the line that matters is "did the request leave?": an error we know happened before the
// request was written is `transient` (safe to send again); one that may have come after the provider
// took the message is `unknown` (reconciled from provider feedback, never blindly sent again).
import { ProviderError, type ProviderFailure } from '../../../ports';

/** Error names (SDK exception names and wire error codes) that mean "slow down". */
const THROTTLED = new Set([
  'ThrottlingException', // End User Messaging SMS, many services
  'Throttling', // awsQuery wire code
  'ThrottledException', // SNS
  'Throttled',
  'TooManyRequestsException', // SES v2
  'LimitExceededException', // SES v2: too many requests per second for the account
  'KMSThrottlingException', // SNS with an encrypted topic
  'KMSThrottling',
  'RequestLimitExceeded',
  'SlowDown',
]);

/**
 * Account-level conditions an operator resolves (sending paused, a spend quota reached). Not the
 * message's fault, so not `permanent`; not a rate, so not `throttled` (which is never counted as
 * failed and would retry forever): `transient`, so it is retried with backoff, then dead-lettered
 * where `dlq redrive` sends it once the account can send again.
 */
const ACCOUNT_PAUSED = new Set(['SendingPausedException', 'ServiceQuotaExceededException']);

/** Server-side failures: the provider answered and did not take the message. */
const SERVER = new Set([
  'InternalServiceErrorException', // SES v2
  'InternalServerException', // End User Messaging SMS
  'InternalErrorException', // SNS
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

/** Errors raised before a request is written: signing, credentials, endpoint resolution. */
const BEFORE_REQUEST = new Set(['CredentialsProviderError', 'TokenProviderError', 'ProviderError']);

/** Socket errors that happen while connecting: nothing reached the provider. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** @smithy/node-http-handler's connectionTimeout message: the socket never connected. */
const CONNECT_TIMEOUT = /did not establish a connection|without establishing a connection/i;

export type ClassifyOptions = {
  /** The provider's name, for the message (`ses`, `sns`, `sms-voice`). */
  provider: string;
  /** Per-adapter meanings that win over the shared ones, by error name or wire code (e.g. SNS `EndpointDisabled` → `gone`). */
  overrides?: ReadonlyMap<string, ProviderFailure>;
};

type SdkLikeError = {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { statusCode?: unknown; headers?: Record<string, string | undefined> };
};

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The error's name, and the provider's wire code when the SDK kept it. */
function namesOf(error: SdkLikeError): string[] {
  return [text(error.name), text(error.Code), text(error.code)].filter((name): name is string => name !== undefined);
}

function statusOf(error: SdkLikeError): number | undefined {
  const status = error.$metadata?.httpStatusCode ?? error.$response?.statusCode;
  return typeof status === 'number' && status > 0 ? status : undefined;
}

/** Retry-After (seconds or an HTTP date) or x-amz-retry-after (milliseconds), when the provider sent one. */
export function retryAfterMsOf(error: unknown, now: number = Date.now()): number | undefined {
  const headers = (error as SdkLikeError | null)?.$response?.headers;
  if (!headers || typeof headers !== 'object') return undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') continue;
    const header = name.toLowerCase();
    if (header === 'x-amz-retry-after' && /^\d+$/.test(value.trim())) return Number(value.trim());
    if (header === 'retry-after') {
      const trimmed = value.trim();
      if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
      const at = Date.parse(trimmed);
      if (!Number.isNaN(at)) return Math.max(0, at - now);
    }
  }
  return undefined;
}

function failureOf(error: SdkLikeError, overrides: ReadonlyMap<string, ProviderFailure> | undefined): ProviderFailure {
  const names = namesOf(error);
  for (const name of names) {
    const override = overrides?.get(name);
    if (override) return override;
  }
  if (names.some((name) => THROTTLED.has(name))) return 'throttled';
  if (names.some((name) => ACCOUNT_PAUSED.has(name))) return 'transient';
  if (names.some((name) => SERVER.has(name))) return 'transient';

  const status = statusOf(error);
  if (status !== undefined) {
    // The provider answered: its status says whether it took the message.
    if (status === 429) return 'throttled';
    if (status >= 500) return 'transient';
    if (status === 410) return 'gone';
    if (status >= 400) return 'permanent';
    // A 2xx or 3xx that still failed (an answer the SDK could not read): the provider may have taken it.
    return 'unknown';
  }
  if (error.$fault === 'server') return 'transient';

  // No answer from the provider: did the request leave?
  if (names.some((name) => BEFORE_REQUEST.has(name))) return 'transient';
  if (names.some((name) => CONNECT_CODES.has(name))) return 'transient';
  const message = text(error.message) ?? '';
  if (names.includes('TimeoutError') && CONNECT_TIMEOUT.test(message)) return 'transient';
  // A request or socket timeout, an abort, a reset or broken pipe mid-request, anything unrecognized:
  // the provider may have the message.
  return 'unknown';
}

/**
 * The ProviderError for an error thrown by an AWS SDK v3 send. A ProviderError passes through
 * unchanged. The original error is kept as `cause`; the message names the provider and the error.
 */
export function classifyAwsError(error: unknown, options: ClassifyOptions): ProviderError {
  if (error instanceof ProviderError) return error;
  const sdk: SdkLikeError = typeof error === 'object' && error !== null ? (error as SdkLikeError) : {};
  const failure = failureOf(sdk, options.overrides);
  const name = namesOf(sdk)[0] ?? 'Error';
  const detail = text(sdk.message) ?? String(error);
  const retryAfterMs = failure === 'throttled' || failure === 'transient' ? retryAfterMsOf(error) : undefined;
  return new ProviderError(failure, `${options.provider}: ${name}: ${detail}`, {
    cause: error,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** A message the adapter refuses before calling the provider (it never left): `permanent`. */
export const refuse = (provider: string, reason: string): ProviderError =>
  new ProviderError('permanent', `${provider}: ${reason}`);
