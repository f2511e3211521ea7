import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { defineConfig, type Plugin } from "vite";

const require = createRequire(import.meta.url);

/** The API documentation's assets (Swagger UI, ReDoc) from their npm packages, copied into dist/docs/ so /docs and
 * /redoc work offline (no CDN). Their init scripts (public/docs/*-init.js) come with public/. */
function docsAssets(): Plugin {
  const files: Record<string, string> = {
    "docs/swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "docs/swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
    "docs/redoc.standalone.js": "redoc/bundles/redoc.standalone.js",
  };
  return {
    name: "leonet-docs-assets",
    apply: "build",
    generateBundle() {
      for (const [fileName, module] of Object.entries(files)) {
        this.emitFile({ type: "asset", fileName, source: readFileSync(require.resolve(module)) });
      }
    },
  };
}

export default defineConfig({
  base: "/",
  plugins: [docsAssets()],
  // Inline nothing: the server's Content-Security-Policy allows scripts, styles and workers from 'self' only.
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 2000, assetsInlineLimit: 0 },
});
