import { randomBytes } from "node:crypto";
import { webauthnOrigins } from "../../../config/settings/webauthn.ts";
import { newId } from "../../../platform/db/ids.ts";
import type { Executor } from "../../../platform/db/transaction.ts";
import type { IdentityDeps } from "../service.ts";
import { type PasskeyFailure, PasskeyRefusal } from "./errors.ts";
import * as repo from "./repository.ts";
import type { ChallengePurpose } from "./tables.ts";

// The steps every WebAuthn ceremony shares: handing out a challenge, and checking the
// client data of the answer — the challenge spent exactly once, the origin one of ours —
// before the signature is looked at (@simplewebauthn/server checks the rest).

/** ES256 first (every authenticator has it), then EdDSA and RS256 (Windows Hello). */
export const SUPPORTED_ALGORITHMS = [-7, -8, -257];

export interface ClientData {
  readonly type: string;
  readonly challenge: string;
  readonly origin: string;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The client data a browser signed over, decoded; anything that is not one refuses as malformed. */
export function readClientData(clientDataJSON: string): ClientData {
  if (!BASE64URL.test(clientDataJSON)) throw new PasskeyRefusal("malformed_response");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8"));
  } catch {
    throw new PasskeyRefusal("malformed_response");
  }
  if (typeof parsed !== "object" || parsed === null) throw new PasskeyRefusal("malformed_response");
  const type: unknown = Reflect.get(parsed, "type");
  const challenge: unknown = Reflect.get(parsed, "challenge");
  const origin: unknown = Reflect.get(parsed, "origin");
  if (typeof type !== "string" || typeof challenge !== "string" || typeof origin !== "string")
    throw new PasskeyRefusal("malformed_response");
  return { type, challenge, origin };
}

/** A fresh challenge, stored for every instance to find, valid WEBAUTHN_CHALLENGE_TTL_S. */
export async function issueChallenge(
  deps: IdentityDeps,
  purpose: ChallengePurpose,
  userId: string | null,
): Promise<{ challenge: string; bytes: Uint8Array<ArrayBuffer> }> {
  const now = deps.clock.now();
  // The options carry the bytes base64url-encoded, and the client data echoes that text.
  const bytes = new Uint8Array(randomBytes(32));
  const challenge = Buffer.from(bytes).toString("base64url");
  await repo.deleteExpiredChallenges(deps.database.db, now.toISOString());
  await repo.insertChallenge(deps.database.db, {
    id: newId(),
    challenge,
    purpose,
    user_id: userId,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + deps.config.WEBAUTHN_CHALLENGE_TTL_S * 1000).toISOString(),
  });
  return { challenge, bytes };
}

/**
 * Spends the answer's challenge — whatever happens next, it cannot be answered again — and
 * checks where the answer was made. The challenge goes first, so a response refused for its
 * origin has still used up its one try.
 */
export async function spendChallenge(
  deps: IdentityDeps,
  db: Executor,
  clientData: ClientData,
  purpose: ChallengePurpose,
  userId: string | null,
): Promise<void> {
  if (!(await repo.consumeChallenge(db, clientData.challenge, purpose, userId, deps.clock.nowIso())))
    throw new PasskeyRefusal("challenge_invalid");
  if (!webauthnOrigins(deps.config).includes(clientData.origin)) throw new PasskeyRefusal("origin_rejected");
}

/**
 * @simplewebauthn/server reports a refused response as a plain Error with a message: the
 * few failures a client can act on get their own code, the rest one generic code. The
 * message is never passed on (it may echo what the client sent).
 */
export function libraryRefusal(error: unknown): PasskeyRefusal {
  if (error instanceof PasskeyRefusal) return error;
  const message = error instanceof Error ? error.message : "";
  const failure: PasskeyFailure = /RP ID/i.test(message)
    ? "rp_id_mismatch"
    : /user verification/i.test(message)
      ? "user_verification_required"
      : /origin/i.test(message)
        ? "origin_rejected"
        : /challenge/i.test(message)
          ? "challenge_invalid"
          : /signature/i.test(message)
            ? "signature_invalid"
            : "verification_failed";
  return new PasskeyRefusal(failure);
}
