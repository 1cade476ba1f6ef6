import { useState } from "preact/hooks";
import {
  acceptPartnership,
  type Company,
  listPartnerships,
  PartnerScope,
  type Partnership,
  rejectPartnership,
  requestPartnership,
  revokePartnership,
} from "../../../clients/typescript/index.ts";
import { can } from "../permissions.ts";
import { authed } from "../session.ts";
import { Confirm, Empty, ErrorBox, Field, fieldError, Loading, Page, useAction, useLoad, when } from "../ui.tsx";

const SCOPES = Object.values(PartnerScope);

type Change = { readonly partnership: Partnership; readonly kind: "accept" | "reject" | "revoke" };

/** Partnerships: request one (by the partner's slug, with scopes), accept or reject incoming, revoke. */
export function Partners({ company }: { readonly company: Company }) {
  const [list, reload] = useLoad(
    () => authed((init) => listPartnerships(company.id, { limit: 100 }, init)),
    (data) => (data as { items: Partnership[] }).items,
    `partners:${company.id}`,
  );
  const manage = can(company, "partners:manage");
  const change = useAction();
  const [pending, setPending] = useState<Change | undefined>();
  const act = async ({ partnership, kind }: Change) => {
    setPending(undefined);
    const op = (
      init: Parameters<typeof revokePartnership>[2],
    ): Promise<{ readonly status: number; readonly data?: unknown }> =>
      kind === "accept"
        ? acceptPartnership(company.id, partnership.id, init)
        : kind === "reject"
          ? rejectPartnership(company.id, partnership.id, init)
          : revokePartnership(company.id, partnership.id, init);
    if (await change.run(() => authed(op))) reload();
  };
  return (
    <Page title={`Partners of ${company.name}`}>
      {manage && <RequestPartnership companyId={company.id} onDone={reload} />}
      <h2>Partnerships</h2>
      {change.failure && <ErrorBox failure={change.failure} />}
      {list.kind === "loading" && <Loading what="partnerships" />}
      {list.kind === "error" && <ErrorBox failure={list.failure} onRetry={reload} />}
      {list.kind === "ready" && list.value.length === 0 && <Empty>No partnerships yet.</Empty>}
      {list.kind === "ready" && list.value.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Partnerships</caption>
            <thead>
              <tr>
                <th scope="col">Company</th>
                <th scope="col">Direction</th>
                <th scope="col">Status</th>
                <th scope="col">Scopes</th>
                <th scope="col">Since</th>
                {manage && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {list.value.map((p) => (
                <tr key={p.id}>
                  <td>
                    {p.company.name} ({p.company.slug})
                  </td>
                  <td>{p.direction}</td>
                  <td>{p.status}</td>
                  <td>{p.scopes.join(", ")}</td>
                  <td>{when(p.createdAt)}</td>
                  {manage && (
                    <td class="row-actions">
                      {p.status === "pending" && p.direction === "incoming" && (
                        <>
                          <button
                            type="button"
                            class="primary"
                            onClick={() => setPending({ partnership: p, kind: "accept" })}
                          >
                            Accept
                          </button>
                          <button type="button" onClick={() => setPending({ partnership: p, kind: "reject" })}>
                            Reject
                          </button>
                        </>
                      )}
                      {(p.status === "active" || (p.status === "pending" && p.direction === "outgoing")) && (
                        <button
                          type="button"
                          class="danger"
                          onClick={() => setPending({ partnership: p, kind: "revoke" })}
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
      {pending && (
        <Confirm
          title={`${pending.kind[0]?.toUpperCase()}${pending.kind.slice(1)} the partnership with ${pending.partnership.company.name}?`}
          confirmLabel={pending.kind === "accept" ? "Accept" : pending.kind === "reject" ? "Reject" : "Revoke"}
          danger={pending.kind !== "accept"}
          onConfirm={() => void act(pending)}
          onCancel={() => setPending(undefined)}
        >
          <p>
            {pending.kind === "accept"
              ? `The partnership is mutual: members of each company get ${pending.partnership.scopes.join(", ")} on the other, never more than their own role allows.`
              : pending.kind === "reject"
                ? "The request is declined; they may ask again."
                : "The access this partnership grants ends at once."}
          </p>
        </Confirm>
      )}
    </Page>
  );
}

function RequestPartnership({ companyId, onDone }: { readonly companyId: string; readonly onDone: () => void }) {
  const [slug, setSlug] = useState("");
  const [scopes, setScopes] = useState<string[]>(["company:read"]);
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    if (await action.run(() => authed((init) => requestPartnership(companyId, { partnerSlug: slug, scopes }, init)))) {
      setSlug("");
      onDone();
    }
  };
  const scopeError = fieldError(action.failure, "scopes");
  return (
    <form onSubmit={submit} noValidate aria-labelledby="partner-title">
      <h2 id="partner-title">Request a partnership</h2>
      {action.failure && <ErrorBox failure={action.failure} />}
      <Field
        label="Partner company's slug"
        name="partnerSlug"
        required
        value={slug}
        onInput={setSlug}
        failure={action.failure}
      />
      <fieldset>
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
        {scopeError && <small class="field-error">{scopeError}</small>}
      </fieldset>
      <button type="submit" class="primary" disabled={action.busy}>
        Send request
      </button>
    </form>
  );
}
