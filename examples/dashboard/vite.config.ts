import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The hub serves the built page at /dashboard (src/server.ts); `npm run dev` serves it with hot reload and passes
// /graphql (queries and the graphql-ws socket) to a hub running on port 4000 (change `target` for another hub).
export default defineConfig({
  base: '/dashboard/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: { '/graphql': { target: 'http://localhost:4000', ws: true } },
  },
});
