import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, type Instance, instance } from "../scale/instances.ts";
import { send } from "../scale/load.ts";
import { ensureNginx, type Nginx, startNginx } from "../scale/nginx.ts";

/** What the suite runs the faults against: one process, a cluster, or two instances behind nginx. */
export interface Topology {
  readonly name: string;
  /** Where the load goes (an instance, or nginx). */
  readonly url: string;
  readonly instances: readonly Instance[];
  readonly logFiles: readonly string[];
  /** Readiness of each instance, polled every 100 ms: [time, status] pairs. */
  readonly readiness: Map<number, [number, number][]>;
  stop(): Promise<void>;
}

export type TopologyName = "single" | "workers2" | "nginx";

/** Generous: on a shared 2-core machine under load a cluster of two workers has taken over a minute to start. */
const START_TIMEOUT_MS = 180_000;

/** Starts the instances (and nginx for "nginx") and a readiness poller on each instance's port. */
export async function startTopology(
  name: TopologyName,
  env: Record<string, string>,
  dir: string,
  log: (line: string) => void,
): Promise<Topology> {
  const count = name === "nginx" ? 2 : 1;
  const workers = name === "workers2" ? "2" : "1";
  const instances: Instance[] = [];
  const logFiles: string[] = [];
  for (let i = 0; i < count; i++) {
    const logFile = join(dir, `${name}-${i}.log`);
    logFiles.push(logFile);
    instances.push(
      instance(
        `${name}-${i}`,
        await freePort(),
        { ...env, WORKERS: workers, DATA_DIR: join(dir, `${name}-${i}`) },
        logFile,
        START_TIMEOUT_MS,
      ),
    );
  }
  try {
    await Promise.all(instances.map((x) => x.start()));
  } catch (error) {
    // Left running, a half-started instance would outlive the suite; SIGTERM makes a cluster supervisor stop its workers too.
    await Promise.all(instances.map((x) => (x.child ? x.stop("SIGTERM") : undefined)));
    throw error;
  }
  let nginx: Nginx | undefined;
  if (name === "nginx") {
    nginx = await startNginx(ensureNginx(log), {
      dir: join(dir, "nginx"),
      port: await freePort(),
      upstreams: instances.map((x) => x.port),
    });
  }
  const readiness = new Map<number, [number, number][]>(instances.map((x) => [x.port, []]));
  let polling = true;
  const pollers = instances.map(async (x) => {
    const samples = readiness.get(x.port) as [number, number][];
    while (polling) {
      const at = Date.now();
      const status = await send(`http://127.0.0.1:${x.port}`, "GET", "/health/ready").then(
        (r) => r.status,
        () => 0,
      );
      samples.push([at, status]);
      await sleep(100);
    }
  });
  return {
    name,
    url: nginx?.url ?? `http://127.0.0.1:${instances[0]?.port}`,
    instances,
    logFiles,
    readiness,
    async stop() {
      polling = false;
      await Promise.all(pollers);
      await nginx?.stop();
      await Promise.all(instances.map((x) => x.stop("SIGTERM")));
    },
  };
}

/** An instance that exited, or whose log shows a crash, a worker lost or an unplanned shutdown. */
export async function casualties(topology: Topology): Promise<string[]> {
  const found: string[] = [];
  for (const x of topology.instances) {
    if (x.child.exitCode !== null || x.child.signalCode !== null) {
      found.push(`${x.name} exited (${x.child.exitCode ?? x.child.signalCode})`);
    }
  }
  for (const file of topology.logFiles) {
    for (const line of (await readFile(file, "utf8")).split("\n")) {
      if (/"level":"fatal"|"msg":"(worker died; restarting|shutdown started; readiness now 503)"/.test(line)) {
        found.push(`${file}: ${line.slice(0, 300)}`);
      }
    }
  }
  return found;
}

/** Log lines of the topology's instances whose `msg` is `msg`. */
export async function logLines(topology: Topology, msg: string): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  for (const file of topology.logFiles) {
    for (const line of (await readFile(file, "utf8")).split("\n")) {
      if (line.includes(`"msg":"${msg}"`)) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  }
  return lines;
}
