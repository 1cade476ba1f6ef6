import { useState } from "preact/hooks";
import { getKillSwitch, type KillSwitch, setKillSwitch } from "../../../clients/typescript/index.ts";
import { authed } from "../session.ts";
import { Confirm, ErrorBox, Field, Loading, Page, useAction, useLoad, when } from "../ui.tsx";

/** The kill switch: its state, and turning it on (with a public reason and Retry-After) or off. */
export function KillSwitchScreen() {
  const [state, reload] = useLoad(
    () => authed((init) => getKillSwitch(init)),
    (data) => data as KillSwitch,
    "kill-switch",
  );
  const [reason, setReason] = useState("");
  const [retryAfter, setRetryAfter] = useState("120");
  const [confirming, setConfirming] = useState<"enable" | "disable" | undefined>();
  const action = useAction();
  const change = async (enabled: boolean) => {
    setConfirming(undefined);
    const body = enabled ? { enabled, reason, retryAfterSeconds: Number(retryAfter) } : { enabled };
    if (await action.run(() => authed((init) => setKillSwitch(body, init)))) reload();
  };
  const submit = (event: Event) => {
    event.preventDefault();
    setConfirming("enable");
  };
  return (
    <Page title="Kill switch">
      {state.kind === "loading" && <Loading what="the kill switch" />}
      {state.kind === "error" && <ErrorBox failure={state.failure} onRetry={reload} />}
      {action.failure && <ErrorBox failure={action.failure} />}
      {state.kind === "ready" && (
        <>
          <p class={state.value.enabled ? "status danger-text" : "status ok-text"} data-testid="kill-switch-state">
            {state.value.enabled ? "ON — the API answers 503 to every request" : "OFF — the API serves normally"}
          </p>
          <dl class="facts">
            <dt>Public reason</dt>
            <dd>{state.value.reason ?? "—"}</dd>
            <dt>Retry-After</dt>
            <dd>{state.value.retryAfterSeconds} s</dd>
            <dt>Changed</dt>
            <dd>
              {when(state.value.updatedAt)} {state.value.updatedBy ? `by ${state.value.updatedBy}` : ""}
            </dd>
          </dl>
          {state.value.enabled ? (
            <button type="button" class="primary" onClick={() => setConfirming("disable")}>
              Turn the kill switch off
            </button>
          ) : (
            <form onSubmit={submit} noValidate aria-labelledby="enable-title">
              <h2 id="enable-title">Turn on</h2>
              <Field
                label="Public reason"
                name="reason"
                hint="Shown to every client in the 503 answer."
                required
                value={reason}
                onInput={setReason}
                failure={action.failure}
              />
              <Field
                label="Retry-After (seconds)"
                name="retryAfterSeconds"
                type="number"
                min={1}
                value={retryAfter}
                onInput={setRetryAfter}
                failure={action.failure}
              />
              <button type="submit" class="danger">
                Turn the kill switch on
              </button>
            </form>
          )}
        </>
      )}
      {confirming === "enable" && (
        <Confirm
          title="Turn the kill switch on?"
          confirmLabel="Stop the API"
          onConfirm={() => void change(true)}
          onCancel={() => setConfirming(undefined)}
        >
          <p>
            Every API request on every instance — sign-ins, API keys, webhooks management — is answered 503 with your
            reason within 2 seconds, until you turn it off. Only health checks, metrics, this console and the
            kill-switch endpoints stay up.
          </p>
        </Confirm>
      )}
      {confirming === "disable" && (
        <Confirm
          title="Turn the kill switch off?"
          confirmLabel="Resume the API"
          danger={false}
          onConfirm={() => void change(false)}
          onCancel={() => setConfirming(undefined)}
        >
          <p>The API serves every request again on every instance within 2 seconds.</p>
        </Confirm>
      )}
    </Page>
  );
}
