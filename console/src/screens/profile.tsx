import { useState } from "preact/hooks";
import { listSessions, revokeSession, type Session } from "../../../clients/typescript/index.ts";
import { passkeysSupported } from "../passkeys.ts";
import { authed, sessionState, signOut } from "../session.ts";
import { Confirm, Empty, ErrorBox, Loading, Page, useAction, useLoad, when } from "../ui.tsx";
import { Passkeys } from "./passkeys.tsx";

/** Who is signed in, their sessions (revoke one, or sign out everywhere). */
export function Profile() {
  const state = sessionState();
  const user = state.kind === "signed_in" ? state.user : undefined;
  const [sessions, reload] = useLoad(
    () => authed((init) => listSessions(init)),
    (data) => (data as { items: Session[] }).items,
    "sessions",
  );
  const action = useAction();
  const [confirming, setConfirming] = useState<Session | "everywhere" | undefined>();
  const revoke = async (session: Session) => {
    setConfirming(undefined);
    if (session.current) return signOut();
    if (await action.run(() => authed((init) => revokeSession(session.id, init)))) reload();
  };
  return (
    <Page title="Profile & sessions">
      {user && (
        <dl class="facts">
          <dt>Name</dt>
          <dd>{user.name}</dd>
          <dt>Email</dt>
          <dd>
            {user.email} {user.emailVerified ? "(verified)" : "(not verified)"}
          </dd>
          <dt>Platform role</dt>
          <dd>{user.platformRole}</dd>
          <dt>Member since</dt>
          <dd>{when(user.createdAt)}</dd>
        </dl>
      )}
      {passkeysSupported() && <Passkeys />}
      <h2>Sessions</h2>
      {action.failure && <ErrorBox failure={action.failure} />}
      {sessions.kind === "loading" && <Loading what="sessions" />}
      {sessions.kind === "error" && <ErrorBox failure={sessions.failure} onRetry={reload} />}
      {sessions.kind === "ready" && sessions.value.length === 0 && <Empty>No active sessions.</Empty>}
      {sessions.kind === "ready" && sessions.value.length > 0 && (
        <ul class="cards">
          {sessions.value.map((s) => (
            <li key={s.id}>
              <strong>{s.device ?? "Unknown device"}</strong> {s.current && <span class="badge">this session</span>}
              <br />
              <small class="muted">
                {s.ip ?? "unknown address"} · last used {when(s.lastUsedAt)} · expires {when(s.expiresAt)}
              </small>
              <div>
                <button type="button" class="danger" onClick={() => setConfirming(s)}>
                  {s.current ? "Sign out" : "Revoke"}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <button type="button" class="danger" onClick={() => setConfirming("everywhere")}>
        Sign out everywhere
      </button>
      {confirming === "everywhere" && (
        <Confirm
          title="Sign out everywhere?"
          confirmLabel="Sign out everywhere"
          onConfirm={() => {
            setConfirming(undefined);
            void signOut(true);
          }}
          onCancel={() => setConfirming(undefined)}
        >
          <p>Every session of your account ends, this one included: each device must sign in again.</p>
        </Confirm>
      )}
      {confirming !== undefined && confirming !== "everywhere" && (
        <Confirm
          title={confirming.current ? "Sign out?" : "Revoke this session?"}
          confirmLabel={confirming.current ? "Sign out" : "Revoke session"}
          onConfirm={() => void revoke(confirming)}
          onCancel={() => setConfirming(undefined)}
        >
          <p>{confirming.device ?? "That device"} must sign in again.</p>
        </Confirm>
      )}
    </Page>
  );
}
