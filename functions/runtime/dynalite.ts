import { fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { sdkDefaults } from '../adapters/aws/sdk';

export type Dynalite = { endpoint: string; close(): Promise<void> };

/**
 * An embedded DynamoDB-compatible server: on disk under `path`, or in memory. With
 * `ownProcess` it runs in a child process (a core of its own, as the local runtime wants);
 * otherwise in this one (quicker to start, for tests).
 */
export async function startDynalite(options: { path?: string; ownProcess?: boolean }): Promise<Dynalite> {
  return options.ownProcess ? startInChild(options.path) : startHere(options.path);
}

async function startHere(path: string | undefined): Promise<Dynalite> {
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function startInChild(path: string | undefined): Promise<Dynalite> {
  const child = fork(new URL('./dynalite-process.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DYNALITE_PATH: path ?? '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`the embedded DynamoDB server exited (code ${code}) before it listened`)),
    );
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}

const UNCHECKED_SIGNATURE =
  'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0';

/** A client for the embedded server. dynalite wants a signature but never checks it, so none is computed (SigV4 costs CPU). */
export const localDynamoClient = (endpoint: string) =>
  new DynamoDBClient({
    ...sdkDefaults,
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    signer: {
      sign: async (request) => {
        request.headers.authorization = UNCHECKED_SIGNATURE;
        request.headers['x-amz-date'] = '20260101T000000Z';
        return request;
      },
    },
    maxAttempts: 10,
  });
