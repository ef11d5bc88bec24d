// The console's static files (console/dist, the Vite build) under /console/, as CloudFront serves
// them from S3 in AWS: long-cached hashed assets, index.html never cached, and a page that says how
// to build the console when it has not been built.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

export const CONSOLE_PATH = '/console/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>growthloop console</title>
<p>The console has not been built. Run <code>npm run console:build</code> (<code>npm start</code> does it for you) and reload.</p>`;

export type ConsoleFiles = (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<void>;

/** Serves `dir` at /console/ (and redirects /console there); a path with no file extension gets index.html. */
export function consoleFiles(dir: string): ConsoleFiles {
  const root = resolve(dir);
  return async (req, res, pathname) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (pathname === '/console') {
      res.writeHead(308, { location: CONSOLE_PATH }).end();
      return;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(pathname.slice(CONSOLE_PATH.length));
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad path\n');
      return;
    }
    const asset = extname(relative) !== '';
    const file = normalize(join(root, asset ? relative : 'index.html'));
    if (!file.startsWith(root + sep) && file !== root) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      if (asset) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      else res.writeHead(503, { 'content-type': 'text/html; charset=utf-8' }).end(NOT_BUILT);
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
