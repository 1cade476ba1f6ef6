import { useState } from "preact/hooks";
import { passkeysSupported, signInWithPasskey } from "../passkeys.ts";
import { cancelSecondFactor, completeSecondFactor, type SessionState, signIn } from "../session.ts";
import { ErrorBox, type Failure, Field, failureOf, networkFailure, Page } from "../ui.tsx";
import { SocialButtons, SsoSignIn } from "./sso-sign-in.tsx";

/**
 * Email and password (or a passkey, a social provider, or the company's SSO), then — when the
 * API answers with an MFA ticket — the second factor.
 */
export function SignIn({ session }: { readonly session: Exclude<SessionState, { kind: "signed_in" | "starting" }> }) {
  const [sso, setSso] = useState(false);
  if (session.kind === "mfa")
    return <SecondFactor ticket={session.challenge.ticket} factors={session.challenge.factors} />;
  if (sso) return <SsoSignIn onBack={() => setSso(false)} />;
  return <Password notice={session.notice} onSso={() => setSso(true)} />;
}

function Password({ notice, onSso }: { readonly notice: string | undefined; readonly onSso: () => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [failure, setFailure] = useState<Failure | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const problem = await signIn(email, password);
      setFailure(problem ? failureOf({ status: problem.status, data: problem }) : undefined);
    } catch {
      setFailure(networkFailure);
    } finally {
      setBusy(false);
    }
  };
  const passkey = async () => {
    setBusy(true);
    try {
      setFailure(await signInWithPasskey());
    } finally {
      setBusy(false);
    }
  };
  return (
    <Page title="Sign in to Rampart">
      {notice && <output class="notice block">{notice}</output>}
      <form onSubmit={submit} noValidate>
        {failure && <ErrorBox failure={failure} />}
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onInput={setEmail}
          failure={failure}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onInput={setPassword}
          failure={failure}
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <div class="actions">
        {passkeysSupported() && (
          <button type="button" onClick={() => void passkey()} disabled={busy}>
            Sign in with a passkey
          </button>
        )}
        <button type="button" onClick={onSso} disabled={busy}>
          Sign in with SSO
        </button>
      </div>
      <SocialButtons disabled={busy} />
    </Page>
  );
}

function SecondFactor({ ticket, factors }: { readonly ticket: string; readonly factors: readonly string[] }) {
  const [code, setCode] = useState("");
  const [failure, setFailure] = useState<Failure | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const problem = await completeSecondFactor(ticket, code.trim());
      setFailure(problem ? failureOf({ status: problem.status, data: problem }) : undefined);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Page title="Second factor">
      <p>
        Your account has a second factor ({factors.join(", ")}). Enter the 6-digit code from your authenticator app, or
        one of your recovery codes.
      </p>
      <form onSubmit={submit} noValidate>
        {failure && <ErrorBox failure={failure} />}
        <Field
          label="Code"
          name="code"
          autoComplete="one-time-code"
          required
          value={code}
          onInput={setCode}
          failure={failure}
        />
        <div class="actions">
          <button type="button" onClick={cancelSecondFactor}>
            Back
          </button>
          <button type="submit" class="primary" disabled={busy}>
            Verify
          </button>
        </div>
      </form>
    </Page>
  );
}
