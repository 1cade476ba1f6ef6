import { Type } from "@sinclair/typebox";
import type { Redis } from "ioredis";
import type { App } from "../../src/app.ts";
import { TIER_NAMES } from "../../src/config/values/tiers.ts";

/** Adds `GET /test/<tier>` for every rate-limit tier, each declaring its tier in route options. */
export function addTierRoutes(app: App): void {
  for (const tier of TIER_NAMES) {
    app.get(
      `/test/${tier}`,
      {
        config: { access: "public", rateLimit: { tier } },
        schema: { operationId: `get${tier}Limited`, tags: ["test"], response: { 200: Type.Object({}) } },
      },
      async () => ({}),
    );
  }
}

/** Sends `count` requests one after another; returns the status codes. */
export async function hit(
  app: App,
  url: string,
  count: number,
  options: { remoteAddress?: string; headers?: Record<string, string> } = {},
): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await app.inject({ method: "GET", url, ...options });
    statuses.push(res.statusCode);
  }
  return statuses;
}

export const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

/** The names of the commands a real Redis client sends from now on (it still sends them: nothing is faked). */
export function recordCommands(client: Redis): string[] {
  const sent: string[] = [];
  const original = client.sendCommand.bind(client);
  client.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
    sent.push(command.name);
    return (original as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof client.sendCommand;
  return sent;
}
