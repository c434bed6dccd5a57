import { defineConfig } from 'vite';

// TSX is compiled by esbuild with React's automatic runtime: no React plugin needed.
export default defineConfig({
  esbuild: { jsx: 'automatic' },
  // Pre-bundle every dependency when the dev server starts. Left to discovery, a fresh
  // project's first import of one of them (e.g. while the first build writes
  // src/generated/) makes Vite re-optimize and reload the whole page, losing its state.
  optimizeDeps: {
    include: ['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'react/jsx-dev-runtime'],
  },
  // The dev server is for this machine's browser only. Vite 7's defaults already refuse
  // other hosts (allowedHosts: DNS rebinding) and listen on localhost; stated here so an
  // edit cannot loosen them by accident. cors: false because the page is served by this
  // same server: no other site needs to read the sources it serves.
  server: { host: 'localhost', cors: false },
  build: { outDir: 'dist', emptyOutDir: true },
});
