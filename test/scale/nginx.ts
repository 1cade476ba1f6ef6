import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const CANDIDATES = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"];

export function findNginx(): string | undefined {
  const onPath = spawnSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" }).stdout.trim();
  return onPath || CANDIDATES.find((p) => existsSync(p));
}

/** nginx from Debian's package: installed with apt-get when missing (the script runs as root in CI). */
export function ensureNginx(log: (line: string) => void): string {
  const found = findNginx();
  if (found) return found;
  log("nginx not found; installing Debian's package (apt-get install -y nginx)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "nginx"], { env, stdio: "inherit" });
  if (install().status !== 0) {
    spawnSync("apt-get", ["update"], { env, stdio: "inherit" });
    if (install().status !== 0) throw new Error("could not install nginx with apt-get (root and Debian/Ubuntu needed)");
  }
  const installed = findNginx();
  if (!installed) throw new Error("nginx installed but not found");
  return installed;
}

export interface NginxOptions {
  readonly dir: string;
  readonly port: number;
  readonly upstreams: readonly number[];
}

const DEPLOYED = new URL("../../deploy/nginx.conf", import.meta.url);

/** The file whose presence takes the instance on `port` out of rotation (see testInclude). */
function downFile(dir: string, port: number): string {
  return join(dir, `down-${port}`);
}

/**
 * deploy/nginx.conf itself, as the tests run it: only addresses and paths are substituted
 * (the compose instances become the test's ports, the listen address loopback, the pid and
 * logs files of `dir`), and one `include` line is added at the top of `http` and of every
 * location that proxies (not the named ones that answer nginx's own errors). Everything the test needs beyond the shipped edge lives in that include
 * (testInclude): the shipped directives are never edited, so a change to deploy/nginx.conf
 * is a change to what test:scale and the edge suite exercise.
 */
export function renderDeployedNginx(deployed: string, { dir, port, upstreams }: NginxOptions): string {
  const servers = [...deployed.matchAll(/^([ \t]*)server (rampart-\d+):8000\b/gm)];
  if (servers.length !== upstreams.length)
    throw new Error(`deploy/nginx.conf has ${servers.length} upstream servers; the test started ${upstreams.length}`);
  let i = 0;
  const include = (kind: string) => `include ${join(dir, `test-${kind}.conf`)};`;
  const rendered = deployed
    .replace(
      /^([ \t]*)server rampart-\d+:8000\b/gm,
      (_m, indent: string) => `${indent}server 127.0.0.1:${upstreams[i++]}`,
    )
    .replace(/^([ \t]*)listen 80;/m, `$1listen 127.0.0.1:${port};`)
    .replace(/^pid \S+;/m, `pid ${join(dir, "nginx.pid")};`)
    .replace(/access_log \/dev\/stdout/, `access_log ${join(dir, "access.log")}`)
    .replace(/error_log \/dev\/stderr/, `error_log ${join(dir, "error.log")}`)
    .replace(/^http \{$/m, `http {\n  ${include("http")}`)
    .replace(/^([ \t]*)(location (?!@)[^{]+\{)$/gm, `$1$2\n$1  ${include("location")}`);
  return rendered;
}

/**
 * What the test adds to the shipped edge, and nothing else: temporary files under `dir`; the
 * X-Upstream header that says which instance answered; and, for each instance, a pool
 * without it, used while `down-<port>` exists (checked on every request) — it stands in for
 * an orchestrator's endpoint removal, since a reload would itself close client connections
 * nginx had just accepted, failing requests for reasons that are nginx's and not Rampart's.
 * The pools copy the shipped upstream's keep-alive settings.
 */
function testIncludes(deployed: string, { dir, upstreams }: NginxOptions): { http: string; location: string } {
  const upstreamBlock = /upstream rampart \{([\s\S]*?)\}/.exec(deployed)?.[1] ?? "";
  const poolSettings = upstreamBlock
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("keepalive"));
  const serverFlags = /server rampart-\d+:8000( [^;]*)?;/.exec(upstreamBlock)?.[1] ?? "";
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
    (t) => `${t}_temp_path ${join(dir, "temp", t)};`,
  );
  const pools = upstreams.map(
    (p) => `upstream rampart_without_${p} {
${upstreams
  .filter((q) => q !== p)
  .map((q) => `  server 127.0.0.1:${q}${serverFlags};`)
  .join("\n")}
${poolSettings.map((l) => `  ${l}`).join("\n")}
}`,
  );
  const switches = upstreams.map((p) => `if (-f ${downFile(dir, p)}) { proxy_pass http://rampart_without_${p}; }`);
  return {
    http: [...temp, ...pools].join("\n"),
    location: [...switches, "add_header X-Upstream $upstream_addr always;"].join("\n"),
  };
}

export interface Nginx {
  readonly url: string;
  /** Takes the instances on `ports` out of rotation and puts every other one back, effective for the next request. */
  setDown(ports: readonly number[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startNginx(binary: string, options: NginxOptions): Promise<Nginx> {
  await mkdir(join(options.dir, "temp"), { recursive: true });
  const conf = join(options.dir, "nginx.conf");
  const deployed = await readFile(DEPLOYED, "utf8");
  const includes = testIncludes(deployed, options);
  await writeFile(join(options.dir, "test-http.conf"), includes.http);
  await writeFile(join(options.dir, "test-location.conf"), includes.location);
  await writeFile(conf, renderDeployedNginx(deployed, options));
  // In the foreground, so the test owns the process; as root, workers stay root to use `dir`.
  const globals = `daemon off;${process.getuid?.() === 0 ? " user root;" : ""}`;
  const args = ["-p", options.dir, "-e", join(options.dir, "error.log"), "-c", conf, "-g", globals];
  const test = spawnSync(binary, ["-t", ...args], { encoding: "utf8" });
  if (test.status !== 0) throw new Error(`nginx -t failed: ${test.stderr}`);
  const child: ChildProcess = spawn(binary, args, { stdio: "ignore" });
  const url = `http://127.0.0.1:${options.port}`;
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${url}/health`).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) break;
    await sleep(100);
  }
  return {
    url,
    async setDown(ports) {
      for (const p of options.upstreams) {
        if (ports.includes(p)) await writeFile(downFile(options.dir, p), "");
        else await rm(downFile(options.dir, p), { force: true });
      }
    },
    async stop() {
      child.kill("SIGQUIT");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}
