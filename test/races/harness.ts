import assert from "node:assert/strict";
import type { LightMyRequestResponse } from "fastify";
import type { App } from "../../src/app.ts";
import { STRONG_PASSWORD } from "../helpers/identity.ts";

/**
 * The concurrency suite's shared pieces. Each race fires two (or more) real requests at the
 * same instant (`Promise.all` of `inject`), reads the state back from the database and
 * collects every broken invariant; a pair is repeated `tries` times because one interleaving
 * proves little. The count of broken tries is printed (`# race …: k/n broke`) so a run on
 * the old code and on the fixed code can be compared.
 */

export const TRIES = Number(process.env.RACE_TRIES ?? 12);

/** A fresh session of an existing user (each try starts from its own tokens). */
export async function login(app: App, email: string, password = STRONG_PASSWORD) {
  return app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email, password, clientType: "native" } });
}

/** Requests answered with 5xx: never acceptable, whatever the interleaving. */
export function serverErrors(...responses: LightMyRequestResponse[]): string[] {
  return responses
    .filter((res) => res.statusCode >= 500)
    .map((res) => `${res.statusCode} ${res.json<{ code?: string; detail?: string }>().code ?? ""}`);
}

export function ok(res: LightMyRequestResponse): boolean {
  return res.statusCode >= 200 && res.statusCode < 300;
}

/**
 * Runs `attempt` `tries` times; each returns the invariants it found broken (empty when
 * the state is sound). Fails with the broken tries listed.
 */
export async function race(
  name: string,
  engine: string,
  attempt: (i: number) => Promise<string[]>,
  tries = TRIES,
): Promise<void> {
  const broken: string[] = [];
  for (let i = 0; i < tries; i++) {
    const problems = await attempt(i);
    if (problems.length > 0) broken.push(`try ${i + 1}: ${problems.join("; ")}`);
  }
  process.stderr.write(`# race ${name} [${engine}]: ${broken.length}/${tries} broke\n`);
  assert.deepEqual(broken, [], `${name} [${engine}]: ${broken.length} of ${tries} tries broke an invariant`);
}
