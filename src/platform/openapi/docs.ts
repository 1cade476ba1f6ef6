import type { FastifyInstance } from "fastify";

export const DOCS_PREFIX = "/docs";

/**
 * The docs page is the one HTML page Rampart serves, so it needs a policy of its own in
 * place of the API's `default-src 'none'`: Swagger UI's script, styles and images come
 * from this origin only (served from the npm package, never a CDN), it fetches the spec
 * and "try it out" requests from this origin, and nothing may frame it. Swagger UI's
 * logo and icons are data: URIs, hence `img-src data:`. Checked in headless Chromium:
 * the page renders with no CSP violation reported.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // Swagger UI 5 inserts one fixed inline style; its hash admits that one and no other.
  "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Swagger UI at /docs, its assets under /docs/static. The plugin sets the policy above in
 * an onSend hook of its own encapsulated routes, which runs after any application-wide
 * hook, so a stricter global header does not break the page and does not leak onto it.
 */
/** A plain wordmark in place of the plugin's default (Fastify's) logo. */
const LOGO = {
  type: "image/svg+xml",
  content: Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40"><text x="0" y="30" font-family="sans-serif" font-size="28" font-weight="bold" fill="#fff">Rampart</text></svg>',
  ),
};

export async function registerDocs(app: FastifyInstance): Promise<void> {
  // Imported here, not at the top: production serves no docs page and never loads it.
  const { default: swaggerUi } = await import("@fastify/swagger-ui");
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    staticCSP: DOCS_CONTENT_SECURITY_POLICY,
    uiConfig: { deepLinking: true, displayOperationId: true, tryItOutEnabled: false },
    theme: { title: "Rampart API" },
    logo: LOGO,
  });
}
