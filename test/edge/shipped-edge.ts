import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { freePort } from "../scale/instances.ts";
import { ensureNginx, findNginx, type Nginx, startNginx } from "../scale/nginx.ts";

export interface ShippedEdge {
  /** nginx, rendered from deploy/nginx.conf. */
  readonly nginx: Nginx;
  readonly instances: readonly TestApp[];
  /** nginx's error log so far. */
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/** The hosts the instances serve: loopback (for plain clients) and the deployment's name. */
export const EDGE_HOSTS = "127.0.0.1,rampart.test";

/**
 * nginx for `describe(name, { skip })`: installed when missing under REQUIRE_SERVICES=1 (CI
 * runs as root), else skipped with the reason when it is not installed.
 */
export function nginxAvailability(): { skip: false | string } {
  if (process.env.REQUIRE_SERVICES === "1") {
    ensureNginx((line) => process.stderr.write(`# ${line}\n`));
    return { skip: false };
  }
  if (findNginx()) return { skip: false };
  const reason = "nginx is not installed; install it (apt-get install nginx) or run with REQUIRE_SERVICES=1 as root";
  process.stderr.write(`# skipping: ${reason}\n`);
  return { skip: reason };
}

/**
 * deploy/nginx.conf as shipped, in front of two Rampart instances of this process (each with
 * its own database), trusting nginx's forwarded headers only (TRUST_PROXY) and serving only
 * EDGE_HOSTS.
 */
export async function startShippedEdge(): Promise<ShippedEdge> {
  const binary = ensureNginx((line) => process.stderr.write(`${line}\n`));
  const dir = await mkdtemp(join(tmpdir(), "rampart-edge-"));
  const instances = await Promise.all(
    [1, 2].map(() => buildTestApp({ TRUST_PROXY: "127.0.0.1", TRUSTED_HOSTS: EDGE_HOSTS })),
  );
  const ports = await Promise.all(
    instances.map(async (t) => Number(new URL(await t.app.listen({ host: "127.0.0.1", port: 0 })).port)),
  );
  const nginx = await startNginx(binary, { dir, port: await freePort(), upstreams: ports });
  return {
    nginx,
    instances,
    errorLog: () => readFile(join(dir, "error.log"), "utf8").catch(() => ""),
    async stop() {
      await nginx.stop();
      await Promise.all(instances.map((t) => t.app.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
