// A loopback stand-in for AWS End User Messaging SMS (pinpoint-sms-voice-v2), which moto_server does not
// speak. It implements SendTextMessage of the documented AWS JSON 1.0 API only: POST /, Content-Type
// application/x-amz-json-1.0, X-Amz-Target PinpointSMSVoiceV2.SendTextMessage, a SigV4 Authorization
// header; the request shape validated against the service model (DestinationPhoneNumber required and
// E.164, MessageBody 1–1600 characters, MessageType, Context at most 5 entries, TimeToLive 5–259,200,
// ConfigurationSetName and OriginationIdentity patterns); `{MessageId}` back. Errors are AWS JSON 1.0
// errors (`__type` in the body and `x-amzn-ErrorType`), the shape the SDK deserializes.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const TARGET_PREFIX = 'PinpointSMSVoiceV2.';
const SEND_TEXT_MESSAGE = `${TARGET_PREFIX}SendTextMessage`;
const JSON_1_0 = 'application/x-amz-json-1.0';

/** What the fake answers instead of taking the message, once per queued fault. */
export type SmsFakeFault =
  | { type: 'throttling'; retryAfterSeconds?: number }
  | { type: 'validation'; reason?: string; message?: string }
  | { type: 'conflict'; reason: string; message?: string }
  | { type: 'server-error'; status?: number }
  /** Reads the request and never answers: for timeouts after the request was sent. */
  | { type: 'hang' };

/** A SendTextMessage the fake took. */
export type SentTextMessage = {
  messageId: string;
  destinationPhoneNumber: string;
  messageBody?: string;
  originationIdentity?: string;
  messageType?: string;
  configurationSetName?: string;
  context?: Record<string, string>;
  input: Record<string, unknown>;
};

/** Every request that reached the fake, with what it answered (0 for a request it hung on). */
export type SmsFakeRequest = {
  target: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
  status: number;
  errorType?: string;
};

export type SmsFake = {
  endpoint: string;
  sent: SentTextMessage[];
  requests: SmsFakeRequest[];
  /** Queue faults: each answers one request, in order, before the fake takes messages again. */
  fail(...faults: SmsFakeFault[]): void;
  stop(): Promise<void>;
};

type FieldError = { Name: string; Message: string };

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const isString = (value: unknown): value is string => typeof value === 'string';

function validate(input: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const field = (name: string, message: string) => errors.push({ Name: name, Message: message });
  const stringField = (name: string, min: number, max: number, pattern?: RegExp) => {
    const value = input[name];
    if (value === undefined) return;
    if (!isString(value)) return field(name, 'must be a string');
    if (value.length < min || value.length > max) return field(name, `length must be between ${min} and ${max}`);
    if (pattern && !pattern.test(value)) field(name, `must match ${pattern.source}`);
  };

  const destination = input.DestinationPhoneNumber;
  if (destination === undefined) field('DestinationPhoneNumber', 'is required');
  else if (!isString(destination) || !/^\+[1-9]\d{1,14}$/.test(destination)) {
    field('DestinationPhoneNumber', 'must be an E.164 phone number');
  }
  stringField('MessageBody', 1, 1600, /^(?!\s*$)[\s\S]+$/);
  stringField('OriginationIdentity', 1, 256, /^[A-Za-z0-9_:/+-]+$/);
  stringField('ConfigurationSetName', 1, 256, /^[A-Za-z0-9_:/-]+$/);
  stringField('Keyword', 1, 30);
  stringField('MaxPrice', 2, 8, /^[0-9]{0,2}\.[0-9]{1,5}$/);
  if (input.MessageType !== undefined && input.MessageType !== 'TRANSACTIONAL' && input.MessageType !== 'PROMOTIONAL') {
    field('MessageType', 'must be TRANSACTIONAL or PROMOTIONAL');
  }
  const ttl = input.TimeToLive;
  if (ttl !== undefined && (!Number.isInteger(ttl) || (ttl as number) < 5 || (ttl as number) > 259_200)) {
    field('TimeToLive', 'must be an integer between 5 and 259200');
  }
  const context = input.Context;
  if (context !== undefined) {
    if (typeof context !== 'object' || context === null || Array.isArray(context)) field('Context', 'must be a map');
    else {
      const entries = Object.entries(context);
      if (entries.length > 5) field('Context', 'has more than 5 entries');
      for (const [key, value] of entries) {
        if (key.length < 1 || key.length > 100 || !/^\S+$/.test(key))
          field(`Context.${key}`, 'key must be 1–100 non-space characters');
        if (!isString(value) || value.length < 1 || value.length > 800 || value.trim() !== value) {
          field(`Context.${key}`, 'value must be 1–800 characters without surrounding space');
        }
      }
    }
  }
  return errors;
}

function faultError(fault: Exclude<SmsFakeFault, { type: 'hang' }>): ApiError {
  switch (fault.type) {
    case 'throttling':
      return new ApiError(400, 'ThrottlingException', 'Rate exceeded');
    case 'validation':
      return new ApiError(400, 'ValidationException', fault.message ?? 'The request failed validation', {
        Reason: fault.reason ?? 'FIELD_VALIDATION_FAILED',
        Fields: [],
      });
    case 'conflict':
      return new ApiError(400, 'ConflictException', fault.message ?? 'Conflict', { Reason: fault.reason });
    case 'server-error':
      return new ApiError(fault.status ?? 500, 'InternalServerException', 'Internal server error', {
        RequestId: randomUUID(),
      });
  }
}

export async function startSmsFake(): Promise<SmsFake> {
  const sent: SentTextMessage[] = [];
  const requests: SmsFakeRequest[] = [];
  const faults: SmsFakeFault[] = [];
  const hanging = new Set<ServerResponse>();

  const answer = (response: ServerResponse, record: SmsFakeRequest, status: number, body: unknown, headers = {}) => {
    record.status = status;
    response.writeHead(status, { 'content-type': JSON_1_0, 'x-amzn-requestid': randomUUID(), ...headers });
    response.end(JSON.stringify(body));
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const target = request.headers['x-amz-target'];
      const record: SmsFakeRequest = {
        target: Array.isArray(target) ? target[0] : target,
        headers: request.headers,
        body,
        status: 0,
      };
      requests.push(record);
      const fail = (error: ApiError, headers: Record<string, string> = {}) => {
        record.errorType = error.type;
        answer(
          response,
          record,
          error.status,
          { __type: error.type, message: error.message, ...error.extra },
          { 'x-amzn-errortype': error.type, ...headers },
        );
      };
      try {
        if (request.method !== 'POST' || (request.url ?? '/') !== '/') {
          throw new ApiError(404, 'UnknownOperationException', 'only POST / is served');
        }
        const authorization = request.headers.authorization ?? '';
        if (!/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/sms-voice\/aws4_request/.test(authorization)) {
          throw new ApiError(403, 'MissingAuthenticationTokenException', 'a SigV4 signature for sms-voice is required');
        }
        if (!(request.headers['content-type'] ?? '').startsWith(JSON_1_0)) {
          throw new ApiError(400, 'SerializationException', `Content-Type must be ${JSON_1_0}`);
        }
        if (record.target !== SEND_TEXT_MESSAGE) {
          throw new ApiError(400, 'UnknownOperationException', `unsupported operation ${String(record.target)}`);
        }
        let input: unknown;
        try {
          input = JSON.parse(body);
        } catch {
          throw new ApiError(400, 'SerializationException', 'the body is not JSON');
        }
        if (typeof input !== 'object' || input === null || Array.isArray(input)) {
          throw new ApiError(400, 'SerializationException', 'the body is not a JSON object');
        }
        const fields = validate(input as Record<string, unknown>);
        if (fields.length > 0) {
          throw new ApiError(400, 'ValidationException', `${fields.length} validation error(s)`, {
            Reason: 'FIELD_VALIDATION_FAILED',
            Fields: fields,
          });
        }
        const fault = faults.shift();
        if (fault?.type === 'hang') {
          hanging.add(response);
          response.on('close', () => hanging.delete(response));
          return;
        }
        if (fault) {
          const headers: Record<string, string> =
            fault.type === 'throttling' && fault.retryAfterSeconds !== undefined
              ? { 'retry-after': String(fault.retryAfterSeconds) }
              : {};
          fail(faultError(fault), headers);
          return;
        }
        const taken = input as Record<string, unknown>;
        const messageId = randomUUID();
        sent.push({
          messageId,
          destinationPhoneNumber: taken.DestinationPhoneNumber as string,
          ...(isString(taken.MessageBody) ? { messageBody: taken.MessageBody } : {}),
          ...(isString(taken.OriginationIdentity) ? { originationIdentity: taken.OriginationIdentity } : {}),
          ...(isString(taken.MessageType) ? { messageType: taken.MessageType } : {}),
          ...(isString(taken.ConfigurationSetName) ? { configurationSetName: taken.ConfigurationSetName } : {}),
          ...(taken.Context !== undefined ? { context: taken.Context as Record<string, string> } : {}),
          input: taken,
        });
        answer(response, record, 200, { MessageId: messageId });
      } catch (error) {
        if (error instanceof ApiError) fail(error);
        else fail(new ApiError(500, 'InternalServerException', String(error)));
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    sent,
    requests,
    fail: (...more) => {
      faults.push(...more);
    },
    stop: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
