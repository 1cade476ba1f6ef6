import { useState } from "preact/hooks";
import {
  acceptInvitation,
  type Company,
  createInvitation,
  type Invitation,
  listInvitations,
  type Role,
  resendInvitation,
  revokeInvitation,
} from "../../../clients/typescript/index.ts";
import { ROLE_ORDER } from "../permissions.ts";
import { navigate, useLocation } from "../router.ts";
import { authed, companiesChanged } from "../session.ts";
import { Confirm, Empty, ErrorBox, Field, fieldError, Loading, Page, useAction, useLoad, when } from "../ui.tsx";

/** Pending invitations: send, resend (a fresh link for 7 more days; the old one stops working), revoke. */
export function Invitations({ company }: { readonly company: Company }) {
  const [invitations, reload] = useLoad(
    // Lapsed ones too: resending them is what the button is mostly for.
    () => authed((init) => listInvitations(company.id, { limit: 100, includeExpired: true }, init)),
    (data) => (data as { items: Invitation[] }).items,
    `invitations:${company.id}`,
  );
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  const send = useAction();
  const change = useAction();
  const [confirming, setConfirming] = useState<Invitation>();
  const [notice, setNotice] = useState<string>();
  const submit = async (event: Event) => {
    event.preventDefault();
    if (await send.run(() => authed((init) => createInvitation(company.id, { email, role }, init)))) {
      setEmail("");
      reload();
    }
  };
  const revoke = async (invitation: Invitation) => {
    setConfirming(undefined);
    setNotice(undefined);
    if (await change.run(() => authed((init) => revokeInvitation(company.id, invitation.id, init)))) reload();
  };
  // No confirmation: a resend only replaces the link (the old one stops working) and restarts its week.
  const resend = async (invitation: Invitation) => {
    setNotice(undefined);
    if (await change.run(() => authed((init) => resendInvitation(company.id, invitation.id, init)))) {
      setNotice(
        `Invitation sent again to ${invitation.email}: the new link works for 7 days; the previous one no longer works.`,
      );
      reload();
    }
  };
  return (
    <Page title={`Invitations to ${company.name}`}>
      <form onSubmit={submit} noValidate aria-labelledby="invite-title">
        <h2 id="invite-title">Invite someone</h2>
        {send.failure && <ErrorBox failure={send.failure} />}
        <Field
          label="Email"
          name="email"
          type="email"
          required
          value={email}
          onInput={setEmail}
          failure={send.failure}
        />
        <div class="field">
          <label for="invite-role">Role</label>
          <select
            id="invite-role"
            value={role}
            onChange={(e) => setRole((e.currentTarget as HTMLSelectElement).value as Role)}
          >
            {ROLE_ORDER.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          {fieldError(send.failure, "role") && <small class="field-error">{fieldError(send.failure, "role")}</small>}
        </div>
        <button type="submit" class="primary" disabled={send.busy}>
          Send invitation
        </button>
      </form>
      <h2>Pending</h2>
      {change.failure && <ErrorBox failure={change.failure} />}
      {notice && <output class="notice block">{notice}</output>}
      {invitations.kind === "loading" && <Loading what="invitations" />}
      {invitations.kind === "error" && <ErrorBox failure={invitations.failure} onRetry={reload} />}
      {invitations.kind === "ready" && invitations.value.length === 0 && <Empty>No pending invitations.</Empty>}
      {invitations.kind === "ready" && invitations.value.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Pending invitations</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Expires</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {invitations.value.map((i) => (
                <tr key={i.id}>
                  <td>{i.email}</td>
                  <td>{i.role}</td>
                  <td>{Date.parse(i.expiresAt) <= Date.now() ? `Expired ${when(i.expiresAt)}` : when(i.expiresAt)}</td>
                  <td class="row-actions">
                    <button
                      type="button"
                      onClick={() => void resend(i)}
                      disabled={change.busy}
                      aria-label={`Resend to ${i.email}`}
                    >
                      Resend
                    </button>
                    <button
                      type="button"
                      class="danger"
                      onClick={() => setConfirming(i)}
                      aria-label={`Revoke invitation of ${i.email}`}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirming && (
        <Confirm
          title={`Revoke the invitation of ${confirming.email}?`}
          confirmLabel="Revoke invitation"
          danger
          onConfirm={() => void revoke(confirming)}
          onCancel={() => setConfirming(undefined)}
        >
          <p>The link in the invitation mail stops working.</p>
        </Confirm>
      )}
    </Page>
  );
}

/** /console/invitations/accept?token=… — the link of the invitation mail when PUBLIC_APP_URL points at the console. */
export function AcceptInvitation() {
  const { query } = useLocation();
  const token = query.get("token") ?? "";
  const action = useAction();
  const accept = async () => {
    let company: Company | undefined;
    const ok = await action.run(async () => {
      const answer = await authed((init) => acceptInvitation({ token }, init));
      if (answer.status === 200) company = answer.data as Company;
      return answer;
    });
    if (ok && company) {
      companiesChanged();
      navigate(`/companies/${company.id}/members`);
    }
  };
  return (
    <Page title="Accept invitation">
      {token === "" ? (
        <ErrorBox
          failure={{
            title: "No invitation",
            detail: "This link carries no invitation token.",
            code: "invitation.missing_token",
          }}
        />
      ) : (
        <>
          <p>You were invited to join a company. Accepting adds you to it with the role the invitation names.</p>
          {action.failure && <ErrorBox failure={action.failure} />}
          <button type="button" class="primary" onClick={() => void accept()} disabled={action.busy}>
            Accept invitation
          </button>
        </>
      )}
    </Page>
  );
}
