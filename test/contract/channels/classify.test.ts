import {
  AccountSuspendedException,
  BadRequestException,
  InternalServiceErrorException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  NotFoundException,
  SendingPausedException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { EndpointDisabledException, ThrottledException } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { classifyAwsError, retryAfterMsOf } from '../../../functions/adapters/aws/channels/classify';
import { ProviderError, type ProviderFailure } from '../../../functions/ports';

const meta = (httpStatusCode: number) => ({ message: 'provider said no', $metadata: { httpStatusCode } });
const kind = (error: unknown, overrides?: ReadonlyMap<string, ProviderFailure>) =>
  classifyAwsError(error, { provider: 'test', ...(overrides ? { overrides } : {}) }).failure;
const networkError = (code: string, name = 'Error', message = `connect ${code}`) =>
  Object.assign(new Error(message), { code, name });

describe('classifying AWS SDK errors for the dispatcher', () => {
  it('calls SES throttling and rate limits throttled', () => {
    expect(kind(new TooManyRequestsException(meta(429)))).toBe('throttled');
    expect(kind(new LimitExceededException(meta(400)))).toBe('throttled');
    expect(kind(new ThrottledException(meta(400)))).toBe('throttled');
    expect(kind(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }))).toBe(
      'throttled',
    );
  });

  it('calls refused messages and accounts permanent', () => {
    expect(kind(new MessageRejected(meta(400)))).toBe('permanent');
    expect(kind(new AccountSuspendedException(meta(400)))).toBe('permanent');
    expect(kind(new MailFromDomainNotVerifiedException(meta(400)))).toBe('permanent');
    expect(kind(new BadRequestException(meta(400)))).toBe('permanent');
    expect(kind(new NotFoundException(meta(404)))).toBe('permanent');
  });

  it('calls a paused account transient: retried, then dead-lettered for a redrive, never dropped', () => {
    expect(kind(new SendingPausedException(meta(400)))).toBe('transient');
  });

  it('calls 5xx answers transient', () => {
    expect(kind(new InternalServiceErrorException(meta(500)))).toBe('transient');
    expect(
      kind(Object.assign(new Error('Service Unavailable'), { name: 'Unknown', $metadata: { httpStatusCode: 503 } })),
    ).toBe('transient');
  });

  it('lets an adapter give an error its own meaning', () => {
    expect(kind(new EndpointDisabledException(meta(400)))).toBe('permanent');
    expect(kind(new EndpointDisabledException(meta(400)), new Map([['EndpointDisabledException', 'gone']]))).toBe(
      'gone',
    );
  });

  it('calls errors before the request left transient', () => {
    expect(kind(networkError('ECONNREFUSED'))).toBe('transient');
    expect(kind(networkError('ENOTFOUND'))).toBe('transient');
    expect(kind(networkError('EAI_AGAIN'))).toBe('transient');
    expect(
      kind(
        Object.assign(
          new Error(
            '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 500 ms.',
          ),
          { name: 'TimeoutError' },
        ),
      ),
    ).toBe('transient');
    expect(kind(Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' }))).toBe(
      'transient',
    );
  });

  it('calls whatever may have reached the provider unknown: timeouts, resets, aborts, unreadable answers', () => {
    expect(
      kind(
        Object.assign(new Error('a request has exceeded the configured 300 ms requestTimeout.'), {
          name: 'TimeoutError',
          code: 'ETIMEDOUT',
        }),
      ),
    ).toBe('unknown');
    expect(kind(networkError('ECONNRESET', 'TimeoutError', 'socket hang up'))).toBe('unknown');
    expect(kind(networkError('EPIPE', 'TimeoutError', 'write EPIPE'))).toBe('unknown');
    expect(kind(Object.assign(new Error('Request aborted'), { name: 'AbortError' }))).toBe('unknown');
    expect(
      kind(Object.assign(new Error('Unexpected token'), { name: 'SyntaxError', $metadata: { httpStatusCode: 200 } })),
    ).toBe('unknown');
    expect(kind(new Error('something else'))).toBe('unknown');
    expect(kind('a string')).toBe('unknown');
  });

  it('passes a ProviderError through and keeps the SDK error as the cause', () => {
    const mine = new ProviderError('gone', 'already classified');
    expect(classifyAwsError(mine, { provider: 'test' })).toBe(mine);
    const sdk = new MessageRejected(meta(400));
    const classified = classifyAwsError(sdk, { provider: 'ses' });
    expect(classified.cause).toBe(sdk);
    expect(classified.message).toBe('ses: MessageRejected: provider said no');
  });

  it('reads Retry-After in seconds or as a date, and x-amz-retry-after in milliseconds', () => {
    const withHeaders = (headers: Record<string, string>) => ({ $response: { statusCode: 429, headers } });
    expect(retryAfterMsOf(withHeaders({ 'Retry-After': '3' }))).toBe(3_000);
    const now = Date.parse('2026-03-29T06:00:00Z');
    expect(retryAfterMsOf(withHeaders({ 'retry-after': 'Sun, 29 Mar 2026 06:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMsOf(withHeaders({ 'x-amz-retry-after': '250' }))).toBe(250);
    expect(retryAfterMsOf(withHeaders({}))).toBeUndefined();
    const throttled = Object.assign(new TooManyRequestsException(meta(429)), withHeaders({ 'retry-after': '1' }));
    expect(classifyAwsError(throttled, { provider: 'ses' }).retryAfterMs).toBe(1_000);
  });
});
