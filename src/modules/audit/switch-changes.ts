import type { Clock } from "../../platform/clock.ts";
import type { SwitchChangeRecorder } from "../../platform/switches/control.ts";
import { actorFromTag } from "./actor.ts";
import { recordAuditEvent } from "./service.ts";

/** Kill-switch and feature-flag changes join the platform stream, from the API and the CLI alike. */
export function switchChangeRecorder(clock: Clock): SwitchChangeRecorder {
  return (trx, change) =>
    recordAuditEvent(trx, clock, {
      ...actorFromTag(change.by),
      action: change.action,
      targetType: "platform_state",
      targetId: change.key,
      metadata: change.metadata,
    });
}
