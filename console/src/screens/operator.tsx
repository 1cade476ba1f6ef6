import { useEffect, useState } from "preact/hooks";
import {
  type AdminUser,
  adminListCompanies,
  adminListUsers,
  adminResetUserFactors,
  adminSuspendCompany,
  adminSuspendUser,
  adminUnlockUser,
  adminUnsuspendCompany,
  adminUnsuspendUser,
  type Company,
} from "../../../clients/typescript/index.ts";
import { authed } from "../session.ts";
import { Confirm, Empty, ErrorBox, Loading, Page, useAction, useLoad, when } from "../ui.tsx";

interface Pending {
  readonly title: string;
  readonly consequence: string;
  readonly label: string;
  readonly danger: boolean;
  readonly run: () => Promise<{ readonly status: number; readonly data?: unknown }>;
}

/** What was typed, once typing paused: each pause asks the server once, not each key. */
function useSettled(value: string, ms = 250): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value]);
  return settled;
}

/** The search box of an admin list: the server narrows the list (q), across every row, not just a page. */
function Search({
  value,
  onInput,
  label,
}: {
  readonly value: string;
  readonly onInput: (v: string) => void;
  readonly label: string;
}) {
  return (
    <div class="field">
      <label for="search">{label}</label>
      <input
        id="search"
        type="search"
        maxLength={100}
        value={value}
        onInput={(e) => onInput((e.currentTarget as HTMLInputElement).value)}
      />
    </div>
  );
}

function useConfirmed(reload: () => void) {
  const action = useAction();
  const [pending, setPending] = useState<Pending | undefined>();
  const dialog = pending && (
    <Confirm
      title={pending.title}
      confirmLabel={pending.label}
      danger={pending.danger}
      onConfirm={() => {
        const run = pending.run;
        setPending(undefined);
        void action.run(run).then((ok) => ok && reload());
      }}
      onCancel={() => setPending(undefined)}
    >
      <p>{pending.consequence}</p>
    </Confirm>
  );
  return { action, ask: setPending, dialog };
}

export function OperatorCompanies() {
  const [query, setQuery] = useState("");
  const q = useSettled(query.trim());
  const [companies, reload] = useLoad(
    () => authed((init) => adminListCompanies({ limit: 100, ...(q ? { q } : {}) }, init)),
    (data) => (data as { items: Company[] }).items,
    `admin-companies:${q}`,
  );
  const { action, ask, dialog } = useConfirmed(reload);
  const shown = companies.kind === "ready" ? companies.value : [];
  return (
    <Page title="Companies">
      <Search label="Search by name, slug or id" value={query} onInput={setQuery} />
      {action.failure && <ErrorBox failure={action.failure} />}
      {companies.kind === "loading" && <Loading what="companies" />}
      {companies.kind === "error" && <ErrorBox failure={companies.failure} onRetry={reload} />}
      {companies.kind === "ready" && shown.length === 0 && <Empty>No company matches.</Empty>}
      {shown.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Companies</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Slug</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((c) => (
                <tr key={c.id}>
                  <td>{c.name}</td>
                  <td>{c.slug}</td>
                  <td>{c.status}</td>
                  <td>{when(c.createdAt)}</td>
                  <td>
                    {c.status === "suspended" ? (
                      <button
                        type="button"
                        onClick={() =>
                          ask({
                            title: `Unsuspend ${c.name}?`,
                            consequence: "Its members and API keys reach its resources again.",
                            label: "Unsuspend",
                            danger: false,
                            run: () => authed((init) => adminUnsuspendCompany(c.id, init)),
                          })
                        }
                      >
                        Unsuspend
                      </button>
                    ) : (
                      <button
                        type="button"
                        class="danger"
                        onClick={() =>
                          ask({
                            title: `Suspend ${c.name}?`,
                            consequence:
                              "Every member and API key of this company is refused (403) until it is unsuspended.",
                            label: "Suspend company",
                            danger: true,
                            run: () => authed((init) => adminSuspendCompany(c.id, init)),
                          })
                        }
                      >
                        Suspend
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {dialog}
    </Page>
  );
}

export function OperatorUsers() {
  const [query, setQuery] = useState("");
  const q = useSettled(query.trim());
  const [users, reload] = useLoad(
    () => authed((init) => adminListUsers({ limit: 100, ...(q ? { q } : {}) }, init)),
    (data) => (data as { items: AdminUser[] }).items,
    `admin-users:${q}`,
  );
  const { action, ask, dialog } = useConfirmed(reload);
  const shown = users.kind === "ready" ? users.value : [];
  return (
    <Page title="Users">
      <Search label="Search by name, email or id" value={query} onInput={setQuery} />
      {action.failure && <ErrorBox failure={action.failure} />}
      {users.kind === "loading" && <Loading what="users" />}
      {users.kind === "error" && <ErrorBox failure={users.failure} onRetry={reload} />}
      {users.kind === "ready" && shown.length === 0 && <Empty>No user matches.</Empty>}
      {shown.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Users</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((u) => (
                <tr key={u.id}>
                  <td>{u.name}</td>
                  <td>{u.email}</td>
                  <td>{u.platformRole}</td>
                  <td>
                    {u.status} {u.lockedUntil && <span class="badge">Locked out until {when(u.lockedUntil)}</span>}
                  </td>
                  <td class="row-actions">
                    {u.lockedUntil && (
                      <button
                        type="button"
                        aria-label={`Unlock sign-in of ${u.email}`}
                        onClick={() =>
                          ask({
                            title: `Unlock the sign-in of ${u.email}?`,
                            consequence:
                              "Too many wrong passwords locked this address. Unlocking clears the count and the lockout at once: whoever knows the password can try again. Do it only after checking who is asking.",
                            label: "Unlock sign-in",
                            danger: false,
                            run: () => authed((init) => adminUnlockUser(u.id, init)),
                          })
                        }
                      >
                        Unlock
                      </button>
                    )}
                    {u.status === "suspended" ? (
                      <button
                        type="button"
                        onClick={() =>
                          ask({
                            title: `Unsuspend ${u.email}?`,
                            consequence: "They can sign in again.",
                            label: "Unsuspend",
                            danger: false,
                            run: () => authed((init) => adminUnsuspendUser(u.id, init)),
                          })
                        }
                      >
                        Unsuspend
                      </button>
                    ) : (
                      <button
                        type="button"
                        class="danger"
                        onClick={() =>
                          ask({
                            title: `Suspend ${u.email}?`,
                            consequence: "Their sessions end at once and they cannot sign in until unsuspended.",
                            label: "Suspend user",
                            danger: true,
                            run: () => authed((init) => adminSuspendUser(u.id, init)),
                          })
                        }
                      >
                        Suspend
                      </button>
                    )}
                    <button
                      type="button"
                      onClick={() =>
                        ask({
                          title: `Reset the second factors of ${u.email}?`,
                          consequence:
                            "Their authenticator app, passkeys and recovery codes are removed: they sign in with the password alone and enrol again. Use it only after checking who is asking.",
                          label: "Reset factors",
                          danger: true,
                          run: () => authed((init) => adminResetUserFactors(u.id, init)),
                        })
                      }
                    >
                      Reset factors
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {dialog}
    </Page>
  );
}
