import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// Preact without @preact/preset-vite (its Babel peer range conflicts with this tree): Vite 8
// transforms JSX with oxc, told to use Preact's automatic runtime.
export const consoleViteConfig = defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/console/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  resolve: { alias: { react: "preact/compat", "react-dom": "preact/compat" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Vite's module-preload polyfill is an inline script: the console's CSP admits none.
    modulePreload: { polyfill: false },
    // Nothing inlined as data: URIs (the CSP's img-src and font-src are 'self' only).
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
  },
});

// biome-ignore lint/style/noDefaultExport: Vite reads the default export of its config file.
export default consoleViteConfig;
