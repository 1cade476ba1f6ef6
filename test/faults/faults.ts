import { setTimeout as sleep } from "node:timers/promises";
import type { FaultySmtp, PrivatePostgres, PrivateRedis } from "./services.ts";

export interface Services {
  readonly postgres: PrivatePostgres;
  readonly redis: PrivateRedis;
  readonly smtp: FaultySmtp;
}

/**
 * One fault: `inject` breaks a dependency, the fault lasts `holdMs`, `heal` repairs it
 * (and resolves once the dependency answers again). `databaseDown` faults must turn
 * readiness 503 while they last.
 */
export interface Fault {
  readonly name: string;
  readonly holdMs: number;
  readonly databaseDown: boolean;
  inject(services: Services, burst: () => void): Promise<void>;
  heal(services: Services): Promise<void>;
}

/** Longer than DB_STATEMENT_TIMEOUT_MS in the suite's environment (1000 ms). */
const STALL_MS = 2500;
let stall: Promise<void> | undefined;

export const FAULTS: readonly Fault[] = [
  {
    name: "pg-fast-restart",
    holdMs: 3000,
    databaseDown: true,
    inject: ({ postgres }) => postgres.stop("fast"),
    heal: ({ postgres }) => postgres.start(),
  },
  {
    name: "pg-crash-restart",
    holdMs: 3000,
    databaseDown: true,
    inject: ({ postgres }) => postgres.stop("immediate"),
    heal: ({ postgres }) => postgres.start(),
  },
  {
    name: "pg-backends-terminated",
    holdMs: 1000,
    databaseDown: false,
    async inject({ postgres }) {
      await postgres.terminateAll();
      await sleep(300);
      // A second round catches connections opened in between, mid-request.
      await postgres.terminateAll();
    },
    heal: async () => {},
  },
  {
    name: "pg-statement-stall",
    holdMs: 0,
    databaseDown: false,
    async inject({ postgres }) {
      stall = postgres.lockTable("users", STALL_MS);
    },
    heal: async () => {
      await stall;
    },
  },
  {
    name: "redis-kill-restart",
    holdMs: 3000,
    databaseDown: false,
    inject: ({ redis }) => redis.kill(),
    heal: ({ redis }) => redis.start(),
  },
  {
    name: "redis-paused",
    holdMs: 3000,
    databaseDown: false,
    inject: async ({ redis }) => redis.pause(),
    heal: async ({ redis }) => redis.resume(),
  },
  {
    name: "smtp-gone-mid-burst",
    holdMs: 3000,
    databaseDown: false,
    async inject({ smtp }, burst) {
      burst();
      await sleep(80);
      await smtp.kill();
    },
    heal: ({ smtp }) => smtp.start(),
  },
];
