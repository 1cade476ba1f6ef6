import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from "fastify";
import { NotFoundError, UnavailableError } from "../errors/app-error.ts";
import { requestSlot } from "./request-slot.ts";

export const CONSOLE_PREFIX = "/console";
/** Where `npm run console:build` writes the console (Vite's outDir, see console/vite.config.ts). */
export const CONSOLE_DIST = fileURLToPath(new URL("../../../console/dist/", import.meta.url));

/**
 * The console is a single-page app that talks to this origin's API only: its scripts and
 * styles are files of this origin (Vite emits no inline script or style), charts draw on a
 * canvas, and nothing may frame it. No 'unsafe-inline', no 'unsafe-eval'.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const IMMUTABLE = "public, max-age=31536000, immutable";
const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

interface ConsoleFile {
  readonly body: Buffer;
  readonly type: string;
  readonly cacheControl: string;
}

/**
 * Every file the build wrote, read once at startup and keyed by its URL path. A request is
 * answered from this map only: no request path ever reaches the filesystem, so `..`,
 * encoded slashes or symlinks cannot reach anything else. Files under assets/ carry a
 * content hash in their name (Vite's default), so they are cached for a year; index.html is
 * revalidated on every load so a new deployment is picked up.
 */
export function consoleFiles(dist: string): Map<string, ConsoleFile> | undefined {
  let index: Buffer;
  try {
    index = readFileSync(join(dist, "index.html"));
  } catch {
    return undefined;
  }
  const files = new Map<string, ConsoleFile>();
  for (const path of walk(dist)) {
    const rel = relative(dist, path).split(sep).join("/");
    const type = TYPES[extname(rel)];
    // Only the kinds of file a build emits; source maps and dotfiles stay on disk.
    if (type === undefined || rel.split("/").some((part) => part.startsWith("."))) continue;
    const cacheControl = rel.startsWith("assets/") ? IMMUTABLE : "no-cache";
    files.set(`${CONSOLE_PREFIX}/${rel}`, { body: readFileSync(path), type, cacheControl });
  }
  files.set(CONSOLE_PREFIX, { body: index, type: TYPES[".html"] as string, cacheControl: "no-cache" });
  return files;
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) yield* walk(path);
    else if (stat.isFile()) yield path;
  }
}

const notBuilt = () =>
  new UnavailableError(
    "console.not_built",
    "The console has not been built on this server: run `npm run console:build` (npm ci runs it too), then restart.",
    60,
  );
const noSuchAsset = () => new NotFoundError("console.asset_not_found", "There is no such console file.");

// Outside the JSON API contract (no operationId, not in OpenAPI); public like the sign-in page it is.
const HIDDEN = { hide: true } as FastifySchema;

/**
 * Serves the console at /console: built files from the map above, and index.html for every
 * other path under /console (the app's own routes, e.g. /console/members), except under
 * /console/assets/, where an unknown name is a 404 rather than a page. The console needs
 * nothing the API does not: the routes are public, carry no data, and every call the app
 * makes goes to the API with the API's own authentication.
 */
export async function registerConsole(app: FastifyInstance, options: { readonly dist?: string } = {}): Promise<void> {
  const files = consoleFiles(options.dist ?? CONSOLE_DIST);
  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    if (files === undefined) throw notBuilt();
    const path = request.url.split("?")[0] ?? "";
    let file = files.get(path);
    if (file === undefined) {
      if (path.startsWith(`${CONSOLE_PREFIX}/assets/`)) throw noSuchAsset();
      file = files.get(CONSOLE_PREFIX) as ConsoleFile;
    }
    // Read by the onSend hook below, after the application-wide headers are set.
    cacheControls.set(reply, file.cacheControl);
    return reply.type(file.type).send(file.body);
  };
  const options_ = {
    schema: HIDDEN,
    config: {
      access: "public" as const,
      rateLimit: { tier: "public" as const },
      securityHeaders: { contentSecurityPolicy: CONSOLE_CONTENT_SECURITY_POLICY },
    },
    // Route hooks run after the global security-headers hook, which marks every response to
    // a request with a cookie `no-store`: the console's files hold nothing private.
    onSend: (_request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (e: null, p: unknown) => void) => {
      const cacheControl = cacheControls.get(reply);
      if (cacheControl !== undefined) reply.header("cache-control", cacheControl);
      done(null, payload);
    },
  };
  app.get(CONSOLE_PREFIX, options_, serve);
  app.get(`${CONSOLE_PREFIX}/*`, options_, serve);
}

const cacheControls = requestSlot<FastifyReply, string>("rampart.consoleCacheControl");
