import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { type DatabaseHandle, openDatabase } from "../../src/platform/db/connect.ts";
import { createLogger } from "../../src/platform/logging/logger.ts";
import { createPostgresSchema } from "./database.ts";
import { postgres } from "./services.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const silent = createLogger({ LOG_LEVEL: "silent", LOG_FORMAT: "json" });

/** Runs the real `rampart` command (a process of its own), as an operator would. */
export function rampartCli(args: string[], env: Record<string, string>, timeoutMs = 60_000) {
  return spawnSync(process.execPath, ["bin/rampart.js", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, APP_ENV: "test", LOG_FORMAT: "json", ...env },
    encoding: "utf8",
    timeout: timeoutMs,
  });
}

export interface CliDatabase {
  readonly url: string;
  readonly handle: DatabaseHandle;
  cleanup(): Promise<void>;
}

export interface CliDatabaseTarget {
  readonly engine: string;
  readonly skip: false | string;
  open(): Promise<CliDatabase>;
}

/** The CLI opens the database itself, so SQLite needs a file (not :memory:) and PostgreSQL a schema URL. */
export async function cliDatabaseTargets(name: string): Promise<CliDatabaseTarget[]> {
  return [
    {
      engine: "sqlite",
      skip: false,
      async open() {
        const dir = mkdtempSync(join(tmpdir(), `rampart-${name}-`));
        const url = `sqlite:${join(dir, `${name}.db`)}`;
        const handle = openDatabase(loadConfig({ APP_ENV: "test", DATABASE_URL: url }), silent);
        return { url, handle, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
      },
    },
    {
      engine: "postgres",
      skip: (await postgres()).skip,
      async open() {
        const { url, dropSchema } = await createPostgresSchema();
        const handle = openDatabase(loadConfig({ APP_ENV: "test", DATABASE_URL: url }), silent);
        return { url, handle, cleanup: dropSchema };
      },
    },
  ];
}
