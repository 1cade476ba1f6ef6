import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { requireUser } from "../access/access.ts";
import { problemResponses } from "../openapi/problem-responses.ts";
import { schemaRef } from "../openapi/schema-ref.ts";
import { type ControlDeps, killSwitchChangeProblem, readSnapshot, setFlag, setKillSwitch } from "./control.ts";
import { switchErrors } from "./errors.ts";
import { FLAG_NAMES, isFlagName } from "./feature-flags.ts";
import * as schemas from "./schemas.ts";
import type { Switchboard } from "./switchboard.ts";

export interface SwitchesRouteOptions {
  readonly control: ControlDeps;
  readonly switchboard: Switchboard;
}

/** The change record's "who" for an API change (the access hook has admitted platform admins only). */
function changedBy(request: FastifyRequest): string {
  return `user:${requireUser(request).userId}`;
}

/** Platform-admin API of the kill switch and feature flags (docs/kill-switch.md). */
export const switchesRoutes: FastifyPluginAsyncTypebox<SwitchesRouteOptions> = async (
  app,
  { control, switchboard },
) => {
  for (const schema of schemas.switchesSchemas) app.addSchema(schema);
  const admin = { config: { access: "platform_admin", rateLimit: { tier: "admin" } } } as const;

  app.get(
    "/admin/kill-switch",
    {
      ...admin,
      schema: {
        operationId: "getKillSwitch",
        tags: ["admin"],
        summary: "The kill switch: on or off, the public reason, and who changed it when",
        response: { 200: Type.Ref("KillSwitch") },
      },
    },
    async () => (await readSnapshot(control.db)).killSwitch,
  );

  app.put(
    "/admin/kill-switch",
    {
      ...admin,
      schema: {
        operationId: "setKillSwitch",
        tags: ["admin"],
        summary: "Turn the kill switch on (with a public reason) or off; every instance follows within 2 s",
        body: schemaRef(schemas.KillSwitchUpdateSchema),
        response: { 200: Type.Ref("KillSwitch") },
      },
    },
    async (request) => {
      const by = changedBy(request);
      const body = request.body;
      const problem = killSwitchChangeProblem(body);
      if (problem) throw switchErrors.invalidChange(problem);
      const { state } = await setKillSwitch(control, body, by);
      await switchboard.refresh();
      request.log.warn({ killSwitch: { enabled: state.enabled, reason: state.reason, by } }, "kill switch changed");
      return state;
    },
  );

  app.get(
    "/admin/flags",
    {
      ...admin,
      schema: {
        operationId: "listFeatureFlags",
        tags: ["admin"],
        summary: "Every feature flag with its value, default, and who changed it when",
        response: { 200: Type.Ref("FeatureFlagList") },
      },
    },
    async () => {
      const { flags } = await readSnapshot(control.db);
      return { items: FLAG_NAMES.map((name) => flags[name]) };
    },
  );

  app.put(
    "/admin/flags/:name",
    {
      ...admin,
      schema: {
        operationId: "setFeatureFlag",
        tags: ["admin"],
        summary: "Turn a feature flag on or off; every instance follows within 2 s",
        params: schemas.FlagParams,
        body: schemaRef(schemas.FeatureFlagUpdateSchema),
        response: { 200: Type.Ref("FeatureFlag"), ...problemResponses(404) },
      },
    },
    async (request) => {
      const by = changedBy(request);
      const { name } = request.params;
      if (!isFlagName(name)) throw switchErrors.unknownFlag(name);
      const { state } = await setFlag(control, name, request.body.enabled, by);
      await switchboard.refresh();
      request.log.info({ flag: { name, enabled: state.enabled, by } }, "feature flag changed");
      return state;
    },
  );
};
