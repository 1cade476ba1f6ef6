import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const CANDIDATES = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"];

function findNginx(): string | undefined {
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

/** The file whose presence takes the instance on `port` out of rotation (see nginxConfig). */
function downFile(dir: string, port: number): string {
  return join(dir, `down-${port}`);
}

/**
 * The load balancer of the test, with the directives deploy/nginx.conf uses for zero-downtime
 * restarts: upstream keep-alive (HTTP/1.1, Connection "") retired by nginx within a drain,
 * retries of idempotent requests on the next instance (error, timeout, 502/504 — never 503,
 * the kill switch's answer), a short connect timeout. Three differences:
 * X-Forwarded-For is appended rather than replaced, so the load generator (a trusted hop on
 * loopback) can speak for many client addresses; X-Upstream says which instance answered;
 * and an instance is taken out of rotation by creating a file (`down-<port>`, checked on
 * every request) instead of an edited config and a reload — it stands in for an
 * orchestrator's endpoint removal, and a reload would itself close client connections that
 * nginx had just accepted, failing requests for reasons that are nginx's and not Rampart's.
 */
export function nginxConfig({ dir, port, upstreams }: NginxOptions): string {
  const server = (p: number) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=1s;`;
  const pool = (name: string, ports: readonly number[]) => `  upstream ${name} {
${ports.map(server).join("\n")}
    keepalive 16;
    # Below the instances' SHUTDOWN_DRAIN_DELAY_MS (2 s): see deploy/nginx.conf.
    keepalive_timeout 500ms;
  }`;
  const pools = [
    pool("rampart", upstreams),
    ...upstreams.map((p) =>
      pool(
        `rampart_without_${p}`,
        upstreams.filter((q) => q !== p),
      ),
    ),
  ].join("\n");
  const switches = upstreams
    .map((p) => `      if (-f ${downFile(dir, p)}) { set $pool rampart_without_${p}; }`)
    .join("\n");
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((t) => `  ${t}_temp_path ${join(dir, "temp", t)};`)
    .join("\n");
  return `${process.getuid?.() === 0 ? "user root;\n" : ""}worker_processes 1;
daemon off;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 512; }
http {
  log_format upstream '$remote_addr "$request" $status upstream=$upstream_addr upstream_status=$upstream_status rt=$request_time';
  access_log ${join(dir, "access.log")} upstream;
${temp}
${pools}
  server {
    listen 127.0.0.1:${port};
    location / {
      set $pool rampart;
${switches}
      proxy_pass http://$pool;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_connect_timeout 1s;
      proxy_next_upstream error timeout http_502 http_504;
      proxy_next_upstream_tries 3;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`;
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
  await writeFile(conf, nginxConfig(options));
  const args = ["-p", options.dir, "-e", join(options.dir, "error.log"), "-c", conf];
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
