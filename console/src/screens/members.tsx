import { useState } from "preact/hooks";
import {
  type Company,
  changeMemberRole,
  listMembers,
  type Member,
  type Role,
  removeMember,
} from "../../../clients/typescript/index.ts";
import { can, ROLE_ORDER } from "../permissions.ts";
import { authed } from "../session.ts";
import { Confirm, Empty, ErrorBox, Loading, Page, useAction, useLoad, when } from "../ui.tsx";

/** The company's members; roles changed and members removed where the viewer's role allows. */
export function Members({ company }: { readonly company: Company }) {
  const [members, reload] = useLoad(
    () => authed((init) => listMembers(company.id, { limit: 100 }, init)),
    (data) => (data as { items: Member[] }).items,
    `members:${company.id}`,
  );
  const action = useAction();
  const [removing, setRemoving] = useState<Member | undefined>();
  const mayUpdate = can(company, "members:update");
  const mayRemove = can(company, "members:remove");
  const setRole = async (member: Member, role: Role) => {
    if (await action.run(() => authed((init) => changeMemberRole(company.id, member.userId, { role }, init)))) reload();
  };
  const remove = async (member: Member) => {
    setRemoving(undefined);
    if (await action.run(() => authed((init) => removeMember(company.id, member.userId, init)))) reload();
  };
  return (
    <Page title={`Members of ${company.name}`}>
      {action.failure && <ErrorBox failure={action.failure} />}
      {members.kind === "loading" && <Loading what="members" />}
      {members.kind === "error" && <ErrorBox failure={members.failure} onRetry={reload} />}
      {members.kind === "ready" && members.value.length === 0 && <Empty>No members yet.</Empty>}
      {members.kind === "ready" && members.value.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Members</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                {mayRemove && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {members.value.map((m) => (
                <tr key={m.userId}>
                  <td>{m.name}</td>
                  <td>{m.email}</td>
                  <td>
                    {mayUpdate ? (
                      <select
                        aria-label={`Role of ${m.email}`}
                        value={m.role}
                        disabled={action.busy}
                        onChange={(e) => void setRole(m, (e.currentTarget as HTMLSelectElement).value as Role)}
                      >
                        {ROLE_ORDER.map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    ) : (
                      m.role
                    )}
                  </td>
                  <td>{when(m.joinedAt)}</td>
                  {mayRemove && (
                    <td>
                      <button
                        type="button"
                        class="danger"
                        onClick={() => setRemoving(m)}
                        aria-label={`Remove ${m.email}`}
                      >
                        Remove
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="muted">
        A member may only give or change roles at or below their own; the last owner cannot be demoted or removed. When
        the API refuses, its reason is shown above.
      </p>
      {removing && (
        <Confirm
          title={`Remove ${removing.email}?`}
          confirmLabel="Remove member"
          onConfirm={() => void remove(removing)}
          onCancel={() => setRemoving(undefined)}
        >
          <p>
            {removing.name} loses access to {company.name} at once. Their API keys here stop acting for them.
          </p>
        </Confirm>
      )}
    </Page>
  );
}
