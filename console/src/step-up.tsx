import { useEffect, useRef, useState } from "preact/hooks";
import { type StepUpAnswer, setStepUpPrompt } from "./session.ts";

interface Asking {
  readonly detail: string;
  readonly resolve: (answer: StepUpAnswer | undefined) => void;
}

/**
 * Asks for the password (and a code from the authenticator app, when the account has one)
 * when the API answers auth.step_up_required, then lets the action go on. Mounted once in
 * the signed-in layout.
 */
export function StepUpDialog() {
  const [asking, setAsking] = useState<Asking | undefined>();
  useEffect(() => {
    setStepUpPrompt((detail) => new Promise((resolve) => setAsking({ detail, resolve })));
    return () => setStepUpPrompt(undefined);
  }, []);
  if (!asking) return null;
  const finish = (answer: StepUpAnswer | undefined) => {
    setAsking(undefined);
    asking.resolve(answer);
  };
  return <Ask detail={asking.detail} onDone={finish} />;
}

function Ask({ detail, onDone }: { readonly detail: string; readonly onDone: (a: StepUpAnswer | undefined) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  useEffect(() => {
    if (ref.current && !ref.current.open) ref.current.showModal();
  }, []);
  const submit = (event: Event) => {
    event.preventDefault();
    onDone(code.trim() === "" ? { password } : { password, code: code.trim() });
  };
  return (
    <dialog ref={ref} aria-labelledby="step-up-title" onCancel={() => onDone(undefined)}>
      <form onSubmit={submit}>
        <h2 id="step-up-title">Confirm it is you</h2>
        <p>{detail}</p>
        <div class="field">
          <label for="step-up-password">Password</label>
          <input
            id="step-up-password"
            type="password"
            autoComplete="current-password"
            value={password}
            onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <div class="field">
          <label for="step-up-code">Code from your authenticator app (if you have one)</label>
          <input
            id="step-up-code"
            autoComplete="one-time-code"
            inputMode="numeric"
            value={code}
            onInput={(e) => setCode((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <div class="actions">
          <button type="button" onClick={() => onDone(undefined)}>
            Cancel
          </button>
          <button type="submit" class="primary">
            Confirm
          </button>
        </div>
      </form>
    </dialog>
  );
}
