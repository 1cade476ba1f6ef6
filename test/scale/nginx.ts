import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
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
  /** Upstreams taken out of rotation (`down`), as a deploy tool does before stopping one. */
  readonly down?: readonly number[];
  /** Sent as X-Config-Generation, so a reload is known to be in effect once it answers. */
  readonly generation?: number;
}

/**
 * The load balancer of the test, with the directives deploy/nginx.conf uses for zero-downtime
 * restarts: upstream keep-alive (HTTP/1.1, Connection "") retired by nginx within a drain, retries of idempotent requests on
 * the next instance (error, timeout, 502/504 — never 503, the kill switch's answer), a short
 * connect timeout. Two differences:
 * X-Forwarded-For is appended rather than replaced, so the load generator (a trusted hop on
 * loopback) can speak for many client addresses; and X-Upstream says which instance answered.
 */
export function nginxConfig({ dir, port, upstreams, down = [], generation = 0 }: NginxOptions): string {
  const servers = upstreams
    .map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=1s${down.includes(p) ? " down" : ""};`)
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
  upstream rampart {
${servers}
    keepalive 16;
    # Below the instances' SHUTDOWN_DRAIN_DELAY_MS (2 s): see deploy/nginx.conf.
    keepalive_timeout 500ms;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://rampart;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_connect_timeout 1s;
      proxy_next_upstream error timeout http_502 http_504;
      proxy_next_upstream_tries 3;
      add_header X-Upstream $upstream_addr always;
      add_header X-Config-Generation ${generation} always;
    }
  }
}
`;
}

export interface Nginx {
  readonly url: string;
  /**
   * Rewrites the upstream list with `ports` marked down and reloads nginx (SIGHUP): new
   * requests go elsewhere at once, requests in flight finish on the old workers. Resolves
   * once the reloaded workers answer.
   */
  setDown(ports: readonly number[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startNginx(binary: string, options: NginxOptions): Promise<Nginx> {
  await mkdir(join(options.dir, "temp"), { recursive: true });
  const conf = join(options.dir, "nginx.conf");
  const args = ["-p", options.dir, "-e", join(options.dir, "error.log"), "-c", conf];
  const writeConfig = async (config: NginxOptions) => {
    await writeFile(conf, nginxConfig(config));
    const test = spawnSync(binary, ["-t", ...args], { encoding: "utf8" });
    if (test.status !== 0) throw new Error(`nginx -t failed: ${test.stderr}`);
  };
  await writeConfig(options);
  const child: ChildProcess = spawn(binary, args, { stdio: "ignore" });
  const url = `http://127.0.0.1:${options.port}`;
  /** Waits until nginx answers with the given configuration generation. */
  const answering = async (generation: number) => {
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`${url}/health`).then(
        (r) => r.status < 500 && r.headers.get("x-config-generation") === String(generation),
        () => false,
      );
      if (ok) return;
      await sleep(50);
    }
    throw new Error(`nginx did not answer with configuration ${generation} within 5 s`);
  };
  await answering(0);
  let generation = 0;
  return {
    url,
    async setDown(down) {
      generation++;
      await writeConfig({ ...options, down, generation });
      child.kill("SIGHUP");
      await answering(generation);
    },
    async stop() {
      child.kill("SIGQUIT");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}
