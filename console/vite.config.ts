// The console: a static app under /console/, built to console/dist (served by `growthloop start`
// and deployed to S3 behind CloudFront by the stack).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      // Mantine marks its modules "use client" for React Server Components, which a static app has none of.
      onwarn: (warning, warn) => (warning.code === 'MODULE_LEVEL_DIRECTIVE' ? undefined : warn(warning)),
    },
  },
  logLevel: 'warn',
});
