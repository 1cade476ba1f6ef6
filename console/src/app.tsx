import type { ComponentType } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { type Company, listMyCompanies } from "../../clients/typescript/index.ts";
import { can } from "./permissions.ts";
import { linkHandler, navigate, useLocation } from "./router.ts";
import { ApiKeys } from "./screens/api-keys.tsx";
import { Audit } from "./screens/audit.tsx";
import { CompanyProfile } from "./screens/company.tsx";
import { Factors } from "./screens/factors.tsx";
import { FeatureFlags } from "./screens/feature-flags.tsx";
import { AcceptInvitation, Invitations } from "./screens/invitations.tsx";
import { KillSwitchScreen } from "./screens/kill-switch.tsx";
import { Members } from "./screens/members.tsx";
import { OperatorCompanies, OperatorUsers } from "./screens/operator.tsx";
import { Partners } from "./screens/partners.tsx";
import { Profile } from "./screens/profile.tsx";
import { SignIn } from "./screens/sign-in.tsx";
import { authed, companiesVersion, onSessionChange, type SessionState, sessionState, signOut } from "./session.ts";
import { StepUpDialog } from "./step-up.tsx";
import { ErrorBox, Loading, Page, useLoad } from "./ui.tsx";

function useSession(): SessionState {
  const [state, setState] = useState(sessionState);
  const [, setVersion] = useState(0);
  useEffect(() => {
    const sync = () => {
      setState(sessionState());
      setVersion(companiesVersion());
    };
    const unsubscribe = onSessionChange(sync);
    // Effects run after the first paint: the start-up refresh (main.tsx) may have settled
    // before this subscribed, and its change would be lost — the page stuck at "Loading your
    // session" (seen in the journeys under load). Read the state once now that we listen.
    sync();
    return unsubscribe;
  }, []);
  return state;
}

export function App() {
  const session = useSession();
  const location = useLocation();
  if (session.kind === "starting") return <Loading what="your session" />;
  if (session.kind !== "signed_in") {
    return (
      <main id="main" class="narrow">
        <SignIn session={session} />
      </main>
    );
  }
  return <SignedIn isOperator={session.user.platformRole === "admin"} name={session.user.name} path={location.path} />;
}

/**
 * Where the browser arrives from outside signed in: the root, and the pages SSO and social
 * sign-ins send it to (SSO_SIGNED_IN_URL, SOCIAL_SIGNED_IN_URL, when pointed at the console) or
 * the API names as the sign-in page. Each goes on to the first company, as "/" does.
 */
const LANDINGS = new Set(["/", "/sso/signed-in", "/social/signed-in", "/sign-in"]);

const COMPANY_ROUTE = /^\/companies\/([0-9a-f-]{36})(\/[a-z-]*)?$/;

function SignedIn({
  isOperator,
  name,
  path,
}: {
  readonly isOperator: boolean;
  readonly name: string;
  readonly path: string;
}) {
  const [companies] = useLoad(
    () => authed((init) => listMyCompanies({ limit: 100 }, init)),
    (data) => (data as { items: Company[] }).items,
    `companies:${companiesVersion()}`,
  );
  const match = COMPANY_ROUTE.exec(path);
  const companyId = match?.[1];
  // While the list reloads (companiesChanged: a rename, an accepted invitation) the screen keeps
  // the last one: unmounting it would lose what it shows (the rename's confirmation).
  const last = useRef<readonly Company[] | undefined>(undefined);
  if (companies.kind === "ready") last.current = companies.value;
  const list = companies.kind === "error" ? [] : (last.current ?? []);
  const listState = companies.kind === "loading" && last.current !== undefined ? "ready" : companies.kind;
  const company = list.find((c) => c.id === companyId);
  useEffect(() => {
    if (!LANDINGS.has(path) || companies.kind === "loading") return;
    const first = list[0];
    if (first) navigate(`/companies/${first.id}/members`, { replace: true });
    else navigate(isOperator ? "/operator/kill-switch" : "/profile", { replace: true });
  }, [path, companies.kind]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">Rampart Console</strong>
        <span class="muted who">{name}</span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <div class="layout">
        <nav aria-label="Console">
          {companies.kind === "error" && <ErrorBox failure={companies.failure} />}
          {list.map((c) => (
            <CompanyNav key={c.id} company={c} path={path} />
          ))}
          <ul>
            <li>
              <a {...linkHandler("/profile")} aria-current={path === "/profile" ? "page" : undefined}>
                Profile &amp; sessions
              </a>
            </li>
            <li>
              <a {...linkHandler("/factors")} aria-current={path === "/factors" ? "page" : undefined}>
                Second factors
              </a>
            </li>
          </ul>
          {isOperator && (
            <>
              <h2 class="nav-title">Platform</h2>
              <ul>
                {OPERATOR_LINKS.map(([to, label]) => (
                  <li key={to}>
                    <a {...linkHandler(to)} aria-current={path === to ? "page" : undefined}>
                      {label}
                    </a>
                  </li>
                ))}
              </ul>
            </>
          )}
        </nav>
        <main id="main">{screen(path, companyId, company, listState, isOperator, match?.[2])}</main>
      </div>
      <StepUpDialog />
    </>
  );
}

const OPERATOR_LINKS: readonly (readonly [string, string])[] = [
  ["/operator/kill-switch", "Kill switch"],
  ["/operator/metrics", "Live metrics"],
  ["/operator/companies", "Companies"],
  ["/operator/users", "Users"],
  ["/operator/feature-flags", "Feature flags"],
];

function CompanyNav({ company, path }: { readonly company: Company; readonly path: string }) {
  const base = `/companies/${company.id}`;
  const links: [string, string, boolean][] = [
    ["/profile", "Company profile", can(company, "company:read")],
    ["/members", "Members", can(company, "members:read")],
    ["/invitations", "Invitations", can(company, "members:invite")],
    ["/partners", "Partners", can(company, "partners:read")],
    ["/api-keys", "API keys", can(company, "api_keys:read")],
    ["/audit", "Audit trail", can(company, "audit:read")],
  ];
  return (
    <>
      <h2 class="nav-title">
        {company.name} <small class="muted">({company.myRole})</small>
      </h2>
      <ul>
        {links
          .filter(([, , allowed]) => allowed)
          .map(([to, label]) => (
            <li key={to}>
              <a {...linkHandler(base + to)} aria-current={path === base + to ? "page" : undefined}>
                {label}
              </a>
            </li>
          ))}
      </ul>
    </>
  );
}

function screen(
  path: string,
  companyId: string | undefined,
  company: Company | undefined,
  companiesState: string,
  isOperator: boolean,
  section: string | undefined,
) {
  if (path === "/invitations/accept") return <AcceptInvitation />;
  if (path === "/profile") return <Profile />;
  if (path === "/factors") return <Factors />;
  if (path.startsWith("/operator/")) {
    // A direct URL shows the same refusal the API would give, not the operator's screens.
    if (!isOperator) return <Refused detail="This page is for platform administrators." />;
    if (path === "/operator/kill-switch") return <KillSwitchScreen />;
    if (path === "/operator/metrics") return <LazyMetrics />;
    if (path === "/operator/companies") return <OperatorCompanies />;
    if (path === "/operator/users") return <OperatorUsers />;
    if (path === "/operator/feature-flags") return <FeatureFlags />;
  }
  if (companyId !== undefined) {
    if (companiesState === "loading") return <Loading what="the company" />;
    if (company === undefined) return <Refused detail="No such company, or you are not a member of it." />;
    if (section === "/profile" && can(company, "company:read")) return <CompanyProfile company={company} />;
    if (section === "/members" && can(company, "members:read")) return <Members company={company} />;
    if (section === "/invitations" && can(company, "members:invite")) return <Invitations company={company} />;
    if (section === "/partners" && can(company, "partners:read")) return <Partners company={company} />;
    if (section === "/api-keys" && can(company, "api_keys:read")) return <ApiKeys company={company} />;
    if (section === "/audit" && can(company, "audit:read")) return <Audit company={company} />;
    return <Refused detail={`Your role (${company.myRole}) in ${company.name} does not allow this page.`} />;
  }
  if (LANDINGS.has(path)) return <Loading what="your companies" />;
  return (
    <Page title="Not found">
      <p>There is no such page in the console.</p>
    </Page>
  );
}

function Refused({ detail }: { readonly detail: string }) {
  return (
    <Page title="Not allowed">
      <ErrorBox failure={{ title: "Forbidden", detail, code: "access.denied" }} />
    </Page>
  );
}

/** chart.js is most of the bundle and only operators chart: it loads with this screen, as its own hashed file. */
function LazyMetrics() {
  const [Metrics, setMetrics] = useState<ComponentType | undefined>();
  useEffect(() => {
    void import("./screens/metrics.tsx").then((m) => setMetrics(() => m.Metrics));
  }, []);
  return Metrics ? <Metrics /> : <Loading what="the charts" />;
}
