import { sveltekit } from '@sveltejs/kit/vite';
import adapter from '@sveltejs/adapter-static';
import { defineConfig } from 'vite';

// SvelteKit 3 reads its configuration from the plugin options (svelte.config.js is gone).
export default defineConfig({
  plugins: [
    sveltekit({
      adapter: adapter({ fallback: '200.html', precompress: true }),
      // The console is a single-page app served by the Pilothouse process itself.
      prerender: { entries: [] },
    }),
  ],
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/auth': 'http://127.0.0.1:8080', '/collect': 'http://127.0.0.1:8080' } },
});
