import { defineConfig } from 'vite';

// TSX is compiled by esbuild with React's automatic runtime: no React plugin needed.
export default defineConfig({
  esbuild: { jsx: 'automatic' },
  build: { outDir: 'dist', emptyOutDir: true },
});
