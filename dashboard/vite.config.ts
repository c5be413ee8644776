/**
 * Builds the dashboard into dashboard/dist/, which `spool serve` serves at `/`. Everything is
 * bundled: no CDN at run time. `npm run dev:dashboard` proxies /v1 to a local `spool serve`.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Small enough to inline nothing: the server's CSP allows only same-origin scripts and styles.
    assetsInlineLimit: 0,
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/v1': 'http://127.0.0.1:8080' },
  },
});
