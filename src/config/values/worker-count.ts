import { availableParallelism } from "node:os";

/** `WORKERS` as written: a whole number, or `auto` for one worker per CPU. */
export const WORKERS_PATTERN = "^(auto|[1-9][0-9]{0,2})$";

/** How many worker processes `WORKERS` asks for on this machine. */
export function workerCount(setting: string, cpus: number = availableParallelism()): number {
  return setting === "auto" ? Math.max(1, cpus) : Number(setting);
}

/**
 * Whether the setting may mean more than one process. `auto` counts as many even on a
 * one-CPU machine: the same configuration is deployed to machines of every size.
 */
export function mayRunSeveralWorkers(setting: string): boolean {
  return setting === "auto" || Number(setting) > 1;
}
