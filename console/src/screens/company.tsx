import { useState } from "preact/hooks";
import {
  type Company,
  deleteCompany,
  getCompany,
  getCompanyMfaPolicy,
  type MfaPolicy,
  setCompanyMfaPolicy,
  updateCompany,
} from "../../../clients/typescript/index.ts";
import { can } from "../permissions.ts";
import { navigate } from "../router.ts";
import { authed, companiesChanged } from "../session.ts";
import { Confirm, ErrorBox, Field, Loading, Page, useAction, useLoad, when } from "../ui.tsx";

/**
 * The company's profile, as getCompany answers it. What the role allows decides the controls:
 * rename (company:update), the MFA policy (company:security), delete (company:delete, owners);
 * without them the page is read-only. The API checks each call regardless.
 */
export function CompanyProfile({ company }: { readonly company: Company }) {
  const [profile, reload] = useLoad(
    () => authed((init) => getCompany(company.id, init)),
    (data) => data as Company,
    // The name in the key: a rename reloads the navigation's list, and then this profile.
    `company:${company.id}:${company.name}`,
  );
  return (
    <Page title={`Company profile of ${company.name}`}>
      {profile.kind === "loading" && <Loading what="the company" />}
      {profile.kind === "error" && <ErrorBox failure={profile.failure} onRetry={reload} />}
      {profile.kind === "ready" && (
        <dl class="facts">
          <dt>Name</dt>
          <dd>{profile.value.name}</dd>
          <dt>Slug</dt>
          <dd>{profile.value.slug}</dd>
          <dt>Status</dt>
          <dd>{profile.value.status}</dd>
          <dt>Created</dt>
          <dd>{when(profile.value.createdAt)}</dd>
          <dt>Your role</dt>
          <dd>{company.myRole}</dd>
        </dl>
      )}
      {can(company, "company:update") && <Rename company={company} />}
      {can(company, "company:security") && <MfaPolicyForm companyId={company.id} />}
      {can(company, "company:delete") && <DeleteCompany company={company} />}
    </Page>
  );
}

function Rename({ company }: { readonly company: Company }) {
  const [name, setName] = useState(company.name);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    setSaved(false);
    // Sent as typed: the API's rules (1–200 characters, not blank) answer at the field.
    if (await action.run(() => authed((init) => updateCompany(company.id, { name }, init)))) {
      setSaved(true);
      companiesChanged();
    }
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="rename-title">
      <h2 id="rename-title">Rename</h2>
      {action.failure && <ErrorBox failure={action.failure} />}
      {saved && <output class="notice block">Saved: the company is now called {name}.</output>}
      <Field label="Company name" name="name" required value={name} onInput={setName} failure={action.failure} />
      <button type="submit" class="primary" disabled={action.busy}>
        Save name
      </button>
    </form>
  );
}

/** The policy as it stands (GET /mfa-policy), then as each change answers it. */
function MfaPolicyForm({ companyId }: { readonly companyId: string }) {
  const [loaded] = useLoad(
    () => authed((init) => getCompanyMfaPolicy(companyId, init)),
    (data) => data as MfaPolicy,
    `mfa-policy:${companyId}`,
  );
  const [changed, setChanged] = useState<MfaPolicy | undefined>();
  const policy = changed ?? (loaded.kind === "ready" ? loaded.value : undefined);
  const action = useAction();
  const set = async (requireMfa: boolean) => {
    let answer: MfaPolicy | undefined;
    await action.run(async () => {
      const response = await authed((init) => setCompanyMfaPolicy(companyId, { requireMfa }, init));
      if (response.status === 200) answer = response.data;
      return response;
    });
    if (answer) setChanged(answer);
  };
  return (
    <section aria-labelledby="mfa-policy-title">
      <h2 id="mfa-policy-title">Second factor for every member</h2>
      <p>
        While required, a member without a second factor can use nothing of the company until they add one. Members are
        told by mail.
      </p>
      {loaded.kind === "loading" && <Loading what="the policy" />}
      {loaded.kind === "error" && <ErrorBox failure={loaded.failure} />}
      {action.failure && <ErrorBox failure={action.failure} />}
      {policy && (
        <output class="notice block">
          {policy.requireMfa
            ? `Required since ${when(policy.since)}: every member needs a second factor.`
            : "Not required: members may sign in with a password alone."}
        </output>
      )}
      <div class="actions">
        <button type="button" class="primary" onClick={() => void set(true)} disabled={action.busy}>
          Require a second factor
        </button>
        <button type="button" onClick={() => void set(false)} disabled={action.busy}>
          Stop requiring it
        </button>
      </div>
    </section>
  );
}

function DeleteCompany({ company }: { readonly company: Company }) {
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const remove = async () => {
    setConfirming(false);
    if (await action.run(() => authed((init) => deleteCompany(company.id, init)))) {
      companiesChanged();
      navigate("/", { replace: true });
    }
  };
  return (
    <section aria-labelledby="delete-title">
      <h2 id="delete-title">Delete the company</h2>
      {action.failure && <ErrorBox failure={action.failure} />}
      <button type="button" class="danger" onClick={() => setConfirming(true)} disabled={action.busy}>
        Delete {company.name}
      </button>
      {confirming && (
        <Confirm
          title={`Delete ${company.name}?`}
          confirmLabel="Delete company"
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        >
          <p>
            Every member loses access at once: the company answers "not found" from now on, to its members and its API
            keys alike. Its slug ({company.slug}) stays reserved. This cannot be undone from the console.
          </p>
        </Confirm>
      )}
    </section>
  );
}
