// Builds the dashboard into one folder of static files that twin server serves at /.
// Everything (chart.js included) is bundled: the page loads nothing from elsewhere.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
  },
});
