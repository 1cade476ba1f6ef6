import { useState } from "preact/hooks";
import { listPasskeys, type Passkey, type PasskeyList, removePasskey } from "../../../clients/typescript/index.ts";
import { addPasskey } from "../passkeys.ts";
import { authed } from "../session.ts";
import { Confirm, Empty, ErrorBox, type Failure, Field, Loading, useAction, useLoad, when } from "../ui.tsx";

/**
 * The signed-in user's passkeys: listed, added (the browser's WebAuthn, passkeys.ts) and
 * removed. A removal needs a recent sign-in with a second factor, a passkey counting as one:
 * the step-up dialog asks when the sign-in is too old.
 */
export function Passkeys() {
  const [passkeys, reload] = useLoad(
    () => authed((init) => listPasskeys(init)),
    (data) => (data as PasskeyList).items,
    "passkeys",
  );
  const [removing, setRemoving] = useState<Passkey | undefined>();
  const action = useAction();
  const remove = async (passkey: Passkey) => {
    setRemoving(undefined);
    if (await action.run(() => authed((init) => removePasskey(passkey.id, init)))) reload();
  };
  return (
    <section aria-labelledby="passkey-title">
      <h2 id="passkey-title">Passkeys</h2>
      {action.failure && <ErrorBox failure={action.failure} />}
      {passkeys.kind === "loading" && <Loading what="your passkeys" />}
      {passkeys.kind === "error" && <ErrorBox failure={passkeys.failure} onRetry={reload} />}
      {passkeys.kind === "ready" && passkeys.value.length === 0 && <Empty>No passkeys yet.</Empty>}
      {passkeys.kind === "ready" && passkeys.value.length > 0 && (
        <ul class="cards">
          {passkeys.value.map((p) => (
            <li key={p.id}>
              <strong>{p.name}</strong>{" "}
              <span class="badge">{p.deviceType === "multiDevice" ? "synced" : "this device"}</span>
              <br />
              <small class="muted">
                added {when(p.createdAt)} · last used {when(p.lastUsedAt)}
              </small>
              <div>
                <button type="button" class="danger" onClick={() => setRemoving(p)}>
                  Remove {p.name}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <AddPasskey onAdded={reload} />
      {removing && (
        <Confirm
          title={`Remove the passkey ${removing.name}?`}
          confirmLabel="Remove passkey"
          onConfirm={() => void remove(removing)}
          onCancel={() => setRemoving(undefined)}
        >
          <p>It no longer signs you in; the authenticator may still keep it until you delete it there too.</p>
        </Confirm>
      )}
    </section>
  );
}

function AddPasskey({ onAdded }: { readonly onAdded: () => void }) {
  const [name, setName] = useState("");
  const [failure, setFailure] = useState<Failure | undefined>();
  const [added, setAdded] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setAdded(false);
    const problem = await addPasskey(name.trim() === "" ? "Passkey" : name.trim());
    setFailure(problem);
    setAdded(problem === undefined);
    if (problem === undefined) onAdded();
  };
  return (
    <form onSubmit={submit} noValidate aria-label="Add a passkey">
      {failure && <ErrorBox failure={failure} />}
      {added && <output class="notice block">Passkey added: you can sign in with it.</output>}
      <Field label="Passkey name" name="name" value={name} onInput={setName} failure={failure} />
      <button type="submit">Add a passkey</button>
    </form>
  );
}
