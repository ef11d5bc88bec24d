// Builds the console (console/vite.config.ts) into a directory, and measures what a browser
// downloads of it: the browser tests serve the fresh build, the bench weighs it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const CONFIG = join(import.meta.dirname, '..', 'console', 'vite.config.ts');

export async function buildConsole(outDir: string): Promise<void> {
  await build({ configFile: CONFIG, build: { outDir, emptyOutDir: true }, logLevel: 'error' });
}

/** Bytes of the built app's JavaScript, gzipped at level 9 as a CDN would serve it. */
export function gzippedJavaScriptBytes(outDir: string): number {
  const assets = join(outDir, 'assets');
  return readdirSync(assets)
    .filter((name) => name.endsWith('.js'))
    .reduce((sum, name) => sum + gzipSync(readFileSync(join(assets, name)), { level: 9 }).length, 0);
}
