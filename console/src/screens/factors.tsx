import { useState } from "preact/hooks";
import {
  type ConfirmedFactor,
  confirmTotp,
  enrolTotp,
  type Factor,
  type FactorList,
  listFactors,
  type RecoveryCodes,
  regenerateRecoveryCodes,
  removeFactor,
  type TotpEnrolment,
} from "../../../clients/typescript/index.ts";
import { authed, secondFactorProof } from "../session.ts";
import { Confirm, Empty, ErrorBox, Field, Loading, Page, ShownOnce, useAction, useLoad, when } from "../ui.tsx";

const CODES_WARNING =
  "Save these recovery codes now: they are shown once and never again. Each signs you in once without your authenticator app.";

/** The signed-in user's second factors: enrol an authenticator app, recovery codes, remove a factor. */
export function Factors() {
  const [factors, reload] = useLoad(
    () => authed((init) => listFactors(init)),
    (data) => data as FactorList,
    "factors",
  );
  const [codes, setCodes] = useState<readonly string[] | undefined>();
  const [removing, setRemoving] = useState<Factor | undefined>();
  const [regenerating, setRegenerating] = useState(false);
  const action = useAction();
  const regenerate = async () => {
    setRegenerating(false);
    let answer: RecoveryCodes | undefined;
    const ok = await action.run(async () => {
      const response = await authed((init) => regenerateRecoveryCodes(init));
      if (response.status === 200) answer = response.data;
      return response;
    });
    if (ok && answer) {
      setCodes(answer.codes);
      reload();
    }
  };
  const confirmed = factors.kind === "ready" ? factors.value.items.filter((f) => f.confirmed) : [];
  return (
    <Page title="Second factors">
      <p>A second factor makes every sign-in ask for a code from your authenticator app as well as your password.</p>
      {codes && (
        <ShownOnce
          key={codes.join()}
          warning={CODES_WARNING}
          value={codes.join("\n")}
          testId="recovery-codes"
          onDone={() => setCodes(undefined)}
        />
      )}
      {action.failure && <ErrorBox failure={action.failure} />}
      {factors.kind === "loading" && <Loading what="your factors" />}
      {factors.kind === "error" && <ErrorBox failure={factors.failure} onRetry={reload} />}
      {factors.kind === "ready" && confirmed.length === 0 && (
        <Empty>No second factor yet: signing in asks only for your password.</Empty>
      )}
      {confirmed.length > 0 && (
        <ul class="cards">
          {confirmed.map((f) => (
            <li key={f.id}>
              <strong>{f.name}</strong> <span class="badge">authenticator app</span>
              <br />
              <small class="muted">
                added {when(f.createdAt)} · last used {when(f.lastUsedAt)}
              </small>
              <div>
                <button type="button" class="danger" onClick={() => setRemoving(f)}>
                  Remove {f.name}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {factors.kind === "ready" && confirmed.length > 0 && (
        <section aria-labelledby="recovery-title">
          <h2 id="recovery-title">Recovery codes</h2>
          <p>{factors.value.recoveryCodesRemaining} of your recovery codes are left. A new set replaces them all.</p>
          <button type="button" onClick={() => setRegenerating(true)} disabled={action.busy}>
            Make new recovery codes
          </button>
        </section>
      )}
      <Enrol
        onConfirmed={(answer) => {
          if (answer.recoveryCodes) setCodes(answer.recoveryCodes);
          reload();
        }}
      />
      {regenerating && (
        <Confirm
          title="Make new recovery codes?"
          confirmLabel="Make new codes"
          danger={false}
          onConfirm={() => void regenerate()}
          onCancel={() => setRegenerating(false)}
        >
          <p>The codes you have now stop working at once; the new ones are shown once.</p>
        </Confirm>
      )}
      {removing && (
        <Remove
          factor={removing}
          onDone={(removed) => {
            setRemoving(undefined);
            if (removed) reload();
          }}
        />
      )}
    </Page>
  );
}

/** Enrol an authenticator app: the QR code and the secret for typing in, then a current code confirms it. */
function Enrol({ onConfirmed }: { readonly onConfirmed: (answer: ConfirmedFactor) => void }) {
  const [enrolment, setEnrolment] = useState<TotpEnrolment | undefined>();
  const [code, setCode] = useState("");
  const action = useAction();
  const start = async () => {
    let answer: TotpEnrolment | undefined;
    await action.run(async () => {
      const response = await authed((init) => enrolTotp({ name: "Authenticator app" }, init));
      if (response.status === 201) answer = response.data;
      return response;
    });
    setEnrolment(answer);
    setCode("");
  };
  const confirm = async (event: Event) => {
    event.preventDefault();
    if (!enrolment) return;
    let answer: ConfirmedFactor | undefined;
    await action.run(async () => {
      const response = await authed((init) => confirmTotp(enrolment.id, { code: code.trim() }, init));
      if (response.status === 200) answer = response.data;
      return response;
    });
    if (answer) {
      setEnrolment(undefined);
      onConfirmed(answer);
    }
  };
  return (
    <section aria-labelledby="enrol-title">
      <h2 id="enrol-title">Add an authenticator app</h2>
      {action.failure && !enrolment && <ErrorBox failure={action.failure} />}
      {!enrolment && (
        <button type="button" class="primary" onClick={() => void start()} disabled={action.busy}>
          Set up an authenticator app
        </button>
      )}
      {enrolment && (
        <form onSubmit={confirm} noValidate>
          <p>Scan this QR code with your authenticator app, or type in the secret below.</p>
          {/* The API's own SVG (qrcode's output: paths, no script or style), drawn inline: the
              console's CSP allows no data: images. */}
          <div
            class="qr"
            role="img"
            aria-label="QR code for your authenticator app"
            dangerouslySetInnerHTML={{ __html: enrolment.qrSvg }}
          />
          <p>
            Secret: <code data-testid="totp-secret">{enrolment.secret}</code>
          </p>
          {action.failure && <ErrorBox failure={action.failure} />}
          <Field
            label="Code from the app"
            name="code"
            autoComplete="one-time-code"
            required
            value={code}
            onInput={setCode}
            failure={action.failure}
          />
          <div class="actions">
            <button type="button" onClick={() => setEnrolment(undefined)}>
              Cancel
            </button>
            <button type="submit" class="primary" disabled={action.busy}>
              Confirm the app
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

/** Removing a factor asks for the password and a current factor (the API's rule), in the confirmation itself. */
function Remove({ factor, onDone }: { readonly factor: Factor; readonly onDone: (removed: boolean) => void }) {
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const action = useAction();
  const remove = async () => {
    const body = { password, ...secondFactorProof(code.trim()) };
    if (await action.run(() => authed((init) => removeFactor(factor.id, body, init)))) onDone(true);
  };
  return (
    <Confirm
      title={`Remove ${factor.name}?`}
      confirmLabel="Remove factor"
      onConfirm={() => void remove()}
      onCancel={() => onDone(false)}
    >
      <p>Signing in will no longer ask for its code. Confirm with your password and a current code.</p>
      {action.failure && <ErrorBox failure={action.failure} />}
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        value={password}
        onInput={setPassword}
        failure={action.failure}
      />
      <Field
        label="Code from the app, or a recovery code"
        name="code"
        autoComplete="one-time-code"
        value={code}
        onInput={setCode}
        failure={action.failure}
      />
    </Confirm>
  );
}
