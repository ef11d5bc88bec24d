import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleFiles } from '../../../functions/runtime/console-files';
import { createHttpServer, listen } from '../../../functions/runtime/server';

const dir = mkdtempSync(join(tmpdir(), 'console-files-'));
const built = join(dir, 'dist');
let server: Server;
let url: string;
let bare: Server;
let bareUrl: string;

beforeAll(async () => {
  mkdirSync(join(built, 'assets'), { recursive: true });
  writeFileSync(join(built, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(built, 'assets', 'app-1234.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'not served');
  server = createHttpServer([], { consoleFiles: consoleFiles(built) });
  url = await listen(server, 0);
  bare = createHttpServer([], { consoleFiles: consoleFiles(join(dir, 'not-built')) });
  bareUrl = await listen(bare, 0);
});
afterAll(() => {
  server.close();
  bare.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the console’s files at /console/', () => {
  it('serve index.html for the app’s pages and never cache it', async () => {
    for (const path of ['/console/', '/console/journeys']) {
      const res = await fetch(`${url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<title>console</title>');
    }
  });

  it('serve hashed assets with their type, cached for good', async () => {
    const res = await fetch(`${url}/console/assets/app-1234.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/javascript');
    expect(res.headers.get('cache-control')).toContain('immutable');
  });

  it('redirect /console to /console/', async () => {
    const res = await fetch(`${url}/console`, { redirect: 'manual' });
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('/console/');
  });

  it('answer 404 for a missing asset and for paths that climb out of the build', async () => {
    expect((await fetch(`${url}/console/assets/missing.js`)).status).toBe(404);
    for (const path of [
      '/console/%2e%2e/secret.txt',
      '/console/..%2fsecret.txt',
      '/console/assets/%2e%2e/%2e%2e/secret.txt',
    ]) {
      const res = await fetch(`${url}${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('not served');
    }
  });

  it('refuse writes', async () => {
    expect((await fetch(`${url}/console/`, { method: 'POST' })).status).toBe(405);
  });

  it('say how to build the console when it is not built', async () => {
    const res = await fetch(`${bareUrl}/console/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run console:build');
  });

  it('leave the API’s routes alone', async () => {
    const res = await fetch(`${url}/v1/journeys`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
  });
});
