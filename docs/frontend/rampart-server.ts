/**
 * Server-side use of the generated client in a Next.js (App Router) app: Server Components,
 * Route Handlers and Server Actions call these with the signed-in user's access token.
 * Quoted by docs/frontend.md and type-checked by `npm run check`; in an app, import from
 * wherever the client is copied to (e.g. "@/lib/rampart") instead of the relative path.
 */
import {
  type Company,
  configureRampartClient,
  getCompany,
  listMyCompanies,
  type Problem,
} from "../../clients/typescript/index.ts";

// Once per server process, e.g. at the top of auth.ts, which every server file imports.
export function configureRampart(baseUrl: string): void {
  configureRampartClient({ baseUrl, headers: { "user-agent": "acme-web" } });
}

/** A problem the page cannot handle itself; its message (logged by Next.js) names the requestId. */
export class RampartProblemError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(`${problem.code} (${problem.status}), request ${problem.requestId}`);
    this.problem = problem;
  }
}

/** The company, or null when it does not exist for this user (render notFound()). */
export async function companyFor(accessToken: string, companyId: string): Promise<Company | null> {
  // Per-user data: never let Next's fetch cache share it between users.
  const response = await getCompany(companyId, { accessToken, cache: "no-store" });
  // Problems are data, not exceptions: narrow on the status, then read the typed body.
  switch (response.status) {
    case 200:
      return response.data;
    case 404:
      return null;
    default:
      // 401: the session's token is gone (signed out elsewhere): send the user to sign in.
      throw new RampartProblemError(response.data);
  }
}

/** One page for a paginated list: pass `nextCursor` back as `?cursor=` for the next one. */
export async function myCompaniesPage(accessToken: string, cursor?: string) {
  const response = await listMyCompanies({ limit: 20, cursor }, { accessToken, cache: "no-store" });
  if (response.status !== 200) throw new RampartProblemError(response.data);
  return response.data; // { items: Company[]; nextCursor: string | null }
}

/** Every company, page by page, for code that needs them all (exports, pickers). */
export async function* allMyCompanies(accessToken: string): AsyncGenerator<Company> {
  let cursor: string | undefined;
  do {
    const page = await myCompaniesPage(accessToken, cursor);
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}
