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
  build: { outDir: 'dist', emptyOutDir: true },
});
