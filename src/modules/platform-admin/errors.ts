import { ConflictError } from "../../platform/errors/app-error.ts";

/** Stable codes of platform administration; listed in docs/errors.md. */
export const adminErrors = {
  selfSuspension: () => new ConflictError("admin.self_suspension", "You cannot suspend your own account."),
};
