import { defineConfig } from 'vite'
import { fileURLToPath } from 'node:url'

// `npm run build`: the dashboard's sources (ui/) into dist/dashboard, served by plugins/dashboard at /dashboard/.
export default defineConfig({
  root: fileURLToPath(new URL('./ui/', import.meta.url)),
  base: '/dashboard/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard/', import.meta.url)),
    emptyOutDir: true,
    // One small bundle; no inline scripts or styles, so the page runs under a strict Content-Security-Policy.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false
  }
})
