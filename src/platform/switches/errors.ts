import { ForbiddenError, NotFoundError, UnavailableError, ValidationError } from "../errors/app-error.ts";
import type { KillSwitchState } from "./state.ts";

export const switchErrors = {
  /** The reason is public by design: operators write it for clients to read. */
  killSwitchOn: (state: KillSwitchState) =>
    new UnavailableError(
      "service.kill_switch",
      state.reason ?? "The service is temporarily unavailable.",
      state.retryAfterSeconds,
      { deliberate: true },
    ),
  featureDisabled: (name: string) =>
    new ForbiddenError("feature.disabled", `This feature (${name}) is currently disabled.`, {
      extensions: { feature: name },
    }),
  /** A kill-switch change whose fields contradict each other (the schema checks them one by one). */
  invalidChange: (problem: { field: string; message: string }) =>
    new ValidationError([{ path: `/body/${problem.field}`, message: problem.message }]),
  unknownFlag: (name: string) => new NotFoundError("feature.unknown", `There is no feature flag named "${name}".`),
};
