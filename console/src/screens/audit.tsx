import { useState } from "preact/hooks";
import {
  type AuditEvent,
  type AuditEventPage,
  type Company,
  exportCompanyAuditEvents,
  type ListCompanyAuditEventsParams,
  listCompanyAuditEvents,
  listMembers,
  type Member,
} from "../../../clients/typescript/index.ts";
import { authed } from "../session.ts";
import { Empty, ErrorBox, Field, Loading, Page, useAction, useLoad, when } from "../ui.tsx";

const PAGE_SIZE = 25;

interface Filters {
  readonly actorId: string;
  readonly action: string;
  readonly from: string;
  readonly to: string;
}

const NO_FILTERS: Filters = { actorId: "", action: "", from: "", to: "" };

/** datetime-local (the viewer's time zone) → RFC 3339 in UTC, as the API wants. */
function instant(local: string): string | undefined {
  if (local === "") return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? local : date.toISOString();
}

function paramsOf(filters: Filters): ListCompanyAuditEventsParams {
  const params: ListCompanyAuditEventsParams = {};
  if (filters.actorId.trim() !== "") params.actorId = filters.actorId.trim();
  if (filters.action.trim() !== "") params.action = filters.action.trim();
  const from = instant(filters.from);
  const to = instant(filters.to);
  if (from) params.from = from;
  if (to) params.to = to;
  return params;
}

/** The company's audit trail: filters (actor, action, time range), cursor paging, CSV/NDJSON export. */
export function Audit({ company }: { readonly company: Company }) {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  // Cursors of the pages before this one, so "Previous" goes back without the API paging backwards.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const [page, reload] = useLoad(
    () =>
      authed((init) =>
        listCompanyAuditEvents(
          company.id,
          { ...paramsOf(applied), limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) },
          init,
        ),
      ),
    (data) => data as AuditEventPage,
    `audit:${company.id}:${JSON.stringify(applied)}:${cursor ?? ""}`,
  );
  // Actors and targets by email where they are members (ids stay the filter's input).
  const [members] = useLoad(
    () => authed((init) => listMembers(company.id, { limit: 100 }, init)),
    (data) => new Map((data as { items: Member[] }).items.map((m) => [m.userId, m.email])),
    `audit-members:${company.id}`,
  );
  const emails = members.kind === "ready" ? members.value : new Map<string, string>();
  const exporting = useAction();
  const apply = (event: Event) => {
    event.preventDefault();
    setApplied(draft);
    setCursors([undefined]);
  };
  const download = async (format: "csv" | "ndjson") => {
    let body = "";
    const ok = await exporting.run(async () => {
      const answer = await authed((init) =>
        exportCompanyAuditEvents(company.id, { ...paramsOf(applied), format }, init),
      );
      if (answer.status === 200) body = typeof answer.data === "string" ? answer.data : JSON.stringify(answer.data);
      return answer;
    });
    if (!ok) return;
    const url = URL.createObjectURL(new Blob([body], { type: format === "csv" ? "text/csv" : "application/x-ndjson" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `audit-${company.slug}.${format}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  const listFailure = page.kind === "error" ? page.failure : undefined;
  return (
    <Page title={`Audit trail of ${company.name}`}>
      <form class="filters" onSubmit={apply} noValidate aria-label="Filters">
        <Field
          label="Actor (user or key id)"
          name="actorId"
          value={draft.actorId}
          onInput={(actorId) => setDraft({ ...draft, actorId })}
          failure={listFailure}
        />
        <Field
          label="Action"
          name="action"
          hint="e.g. member.role_changed or member.*"
          value={draft.action}
          onInput={(action) => setDraft({ ...draft, action })}
          failure={listFailure}
        />
        <Field
          label="From"
          name="from"
          type="datetime-local"
          value={draft.from}
          onInput={(from) => setDraft({ ...draft, from })}
          failure={listFailure}
        />
        <Field
          label="To"
          name="to"
          type="datetime-local"
          value={draft.to}
          onInput={(to) => setDraft({ ...draft, to })}
          failure={listFailure}
        />
        <div class="actions">
          <button type="submit" class="primary">
            Apply filters
          </button>
          <button type="button" onClick={() => void download("csv")} disabled={exporting.busy}>
            Export CSV
          </button>
          <button type="button" onClick={() => void download("ndjson")} disabled={exporting.busy}>
            Export JSON
          </button>
        </div>
      </form>
      {exporting.failure && <ErrorBox failure={exporting.failure} />}
      {page.kind === "loading" && <Loading what="audit events" />}
      {page.kind === "error" && <ErrorBox failure={page.failure} onRetry={reload} />}
      {page.kind === "ready" && page.value.items.length === 0 && <Empty>No audit events match these filters.</Empty>}
      {page.kind === "ready" && page.value.items.length > 0 && <Events items={page.value.items} emails={emails} />}
      <div class="actions">
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <button
          type="button"
          disabled={page.kind !== "ready" || page.value.nextCursor === null}
          onClick={() =>
            page.kind === "ready" && page.value.nextCursor && setCursors([...cursors, page.value.nextCursor])
          }
        >
          Next page
        </button>
      </div>
    </Page>
  );
}

function who(type: string, id: string | null, emails: ReadonlyMap<string, string>): string {
  const email = id === null ? undefined : emails.get(id);
  return email ? `${type} ${email} (${id})` : `${type} ${id ?? ""}`;
}

function Events({
  items,
  emails,
}: {
  readonly items: readonly AuditEvent[];
  readonly emails: ReadonlyMap<string, string>;
}) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">Audit events</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Actor</th>
            <th scope="col">Target</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id}>
              <td>{when(e.occurredAt)}</td>
              <td>
                <code>{e.action}</code>
              </td>
              <td class="wrap">{who(e.actor.type, e.actor.id, emails)}</td>
              <td class="wrap">{e.target ? who(e.target.type, e.target.id, emails) : "—"}</td>
              <td>
                <code class="wrap">{JSON.stringify(e.metadata)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
