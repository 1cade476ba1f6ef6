import { useState } from "preact/hooks";
import {
  type ApiKey,
  ApiKeyScope,
  type Company,
  type CreatedApiKey,
  createApiKey,
  listApiKeys,
  revokeApiKey,
} from "../../../clients/typescript/index.ts";
import { can } from "../permissions.ts";
import { authed } from "../session.ts";
import {
  Confirm,
  Empty,
  ErrorBox,
  Field,
  fieldError,
  Loading,
  Page,
  ShownOnce,
  useAction,
  useLoad,
  when,
} from "../ui.tsx";

const SCOPES = Object.values(ApiKeyScope);

/** API keys: created with scopes (the secret is shown once), listed with creator and last use, revoked. */
export function ApiKeys({ company }: { readonly company: Company }) {
  const [keys, reload] = useLoad(
    () => authed((init) => listApiKeys(company.id, { limit: 100 }, init)),
    (data) => (data as { items: ApiKey[] }).items,
    `keys:${company.id}`,
  );
  const manage = can(company, "api_keys:manage");
  const revokeAction = useAction();
  const [revoking, setRevoking] = useState<ApiKey | undefined>();
  const revoke = async (key: ApiKey) => {
    setRevoking(undefined);
    if (await revokeAction.run(() => authed((init) => revokeApiKey(company.id, key.id, init)))) reload();
  };
  return (
    <Page title={`API keys of ${company.name}`}>
      {manage && <CreateKey companyId={company.id} onCreated={reload} />}
      <h2>Keys</h2>
      {revokeAction.failure && <ErrorBox failure={revokeAction.failure} />}
      {keys.kind === "loading" && <Loading what="API keys" />}
      {keys.kind === "error" && <ErrorBox failure={keys.failure} onRetry={reload} />}
      {keys.kind === "ready" && keys.value.length === 0 && <Empty>No API keys yet.</Empty>}
      {keys.kind === "ready" && keys.value.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created by</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                {manage && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {keys.value.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}</code>
                  </td>
                  <td>{k.scopes.join(", ")}</td>
                  <td>{k.createdBy ?? "—"}</td>
                  <td>{when(k.lastUsedAt)}</td>
                  <td>{k.status}</td>
                  {manage && (
                    <td>
                      {k.status === "active" && (
                        <button
                          type="button"
                          class="danger"
                          onClick={() => setRevoking(k)}
                          aria-label={`Revoke ${k.name}`}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {revoking && (
        <Confirm
          title={`Revoke ${revoking.name}?`}
          confirmLabel="Revoke key"
          onConfirm={() => void revoke(revoking)}
          onCancel={() => setRevoking(undefined)}
        >
          <p>Every integration using {revoking.prefix}… is refused from now on. This cannot be undone.</p>
        </Confirm>
      )}
    </Page>
  );
}

function CreateKey({ companyId, onCreated }: { readonly companyId: string; readonly onCreated: () => void }) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["company:read"]);
  const [created, setCreated] = useState<CreatedApiKey | undefined>();
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    let answer: CreatedApiKey | undefined;
    const ok = await action.run(async () => {
      const response = await authed((init) => createApiKey(companyId, { name, scopes }, init));
      if (response.status === 201) answer = response.data as CreatedApiKey;
      return response;
    });
    if (ok && answer) {
      setCreated(answer);
      setName("");
      onCreated();
    }
  };
  const scopeError = fieldError(action.failure, "scopes");
  return (
    <section aria-labelledby="new-key">
      <h2 id="new-key">New API key</h2>
      {created && (
        <ShownOnce
          key={created.key}
          warning="Copy the key now: it is shown once and never again."
          value={created.key}
          testId="api-key-secret"
          onDone={() => setCreated(undefined)}
        />
      )}
      <form onSubmit={submit} noValidate>
        {action.failure && <ErrorBox failure={action.failure} />}
        <Field label="Name" name="name" required value={name} onInput={setName} failure={action.failure} />
        <fieldset aria-describedby={scopeError ? "scopes-error" : undefined}>
          <legend>Scopes</legend>
          <div class="checks">
            {SCOPES.map((s) => (
              <label key={s}>
                <input
                  type="checkbox"
                  checked={scopes.includes(s)}
                  onChange={(e) =>
                    setScopes(
                      (e.currentTarget as HTMLInputElement).checked ? [...scopes, s] : scopes.filter((x) => x !== s),
                    )
                  }
                />{" "}
                {s}
              </label>
            ))}
          </div>
          {scopeError && (
            <small id="scopes-error" class="field-error">
              {scopeError}
            </small>
          )}
        </fieldset>
        <button type="submit" class="primary" disabled={action.busy}>
          Create key
        </button>
      </form>
    </section>
  );
}
