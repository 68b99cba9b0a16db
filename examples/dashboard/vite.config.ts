import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The hub serves the built page at /dashboard (src/server.ts); `npm run dev` serves it with hot reload and passes
// /graphql (queries and the graphql-ws socket) to the hub at HUB_URL, by default one running on port 4000.
const hub = process.env.HUB_URL || 'http://localhost:4000';
if (!/^https?:\/\/[^/]+\/?$/.test(hub)) throw new Error(`HUB_URL must be the hub's origin, like http://localhost:4000, got "${hub}"`);
export default defineConfig({
  base: '/dashboard/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: { '/graphql': { target: hub.replace(/\/$/, ''), ws: true } },
  },
});
