import type * as NodeHttp from "node:http";
import { createRequire } from "node:module";

/**
 * node:http through require, never an ES module import. Importing node:http as an ES module
 * fills its namespace by reading every export, and three of them (WebSocket, CloseEvent,
 * MessageEvent) are getters that load Node's bundled undici: 13 MiB of resident memory for the
 * process's life in a bare Node 24 process (57.9 against 44.8 MiB), which a server that never
 * calls fetch does not need (issue #21's idle RSS). Types still come from `import type`;
 * test/cli/serve-footprint.test.ts fails when a default start loads undici again.
 */
export const http = createRequire(import.meta.url)("node:http") as typeof NodeHttp;
