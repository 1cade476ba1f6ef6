import {
  getMe,
  login,
  logout,
  logoutAll,
  type MfaChallenge,
  type Problem,
  type RampartRequestInit,
  reauthenticate,
  refreshToken,
  type TokenResponse,
  type User,
  verifyMfa,
} from "../../clients/typescript/index.ts";

/**
 * The console signs in like any browser front end (docs/frontend.md): the access token lives
 * in this module's memory only (never localStorage, so a script injected elsewhere cannot
 * read it after the fact), the refresh token in the httpOnly cookie the API sets on
 * /api/v1/auth. A reload refreshes from the cookie; a timer refreshes a minute before expiry.
 */
export type SessionState =
  | { readonly kind: "starting" }
  | { readonly kind: "signed_out"; readonly notice?: string }
  | { readonly kind: "mfa"; readonly challenge: MfaChallenge }
  | { readonly kind: "signed_in"; readonly user: User };

let state: SessionState = { kind: "starting" };
let accessToken: string | undefined;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();

export function sessionState(): SessionState {
  return state;
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function set(next: SessionState): void {
  state = next;
  for (const listener of listeners) listener();
}

function isMfa(body: TokenResponse | MfaChallenge): body is MfaChallenge {
  return "mfaRequired" in body && body.mfaRequired === true;
}

/** Keeps the token and schedules the next silent refresh; then asks who signed in. */
async function accept(tokens: TokenResponse): Promise<void> {
  accessToken = tokens.accessToken;
  clearTimeout(refreshTimer);
  const inMs = Math.max(5, tokens.expiresIn - 60) * 1000;
  refreshTimer = setTimeout(() => void refresh(), inMs);
  const me = await getMe({ accessToken });
  if (me.status !== 200) return clear("Your session could not be loaded. Sign in again.");
  set({ kind: "signed_in", user: me.data });
}

/** Tokens another sign-in flow obtained (a passkey): kept like a password sign-in's. */
export function acceptTokens(tokens: TokenResponse): Promise<void> {
  return accept(tokens);
}

function clear(notice?: string): void {
  accessToken = undefined;
  clearTimeout(refreshTimer);
  set(notice === undefined ? { kind: "signed_out" } : { kind: "signed_out", notice });
}

let refreshing: Promise<boolean> | undefined;

/** A new access token from the refresh cookie; concurrent callers share one request. */
export function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const answer = await refreshToken({}, { credentials: "same-origin" });
      if (answer.status !== 200) {
        // A call still in flight when the user signed out must not replace that notice.
        if (state.kind === "signed_in") clear("Your session ended. Sign in again.");
        else if (state.kind !== "signed_out") clear();
        return false;
      }
      if (isMfa(answer.data)) {
        accessToken = undefined;
        set({ kind: "mfa", challenge: answer.data });
        return false;
      }
      await accept(answer.data);
      return true;
    } catch {
      clear("The server could not be reached.");
      return false;
    } finally {
      refreshing = undefined;
    }
  })();
  return refreshing;
}

/** Problems a form shows; undefined when the sign-in went through (or needs a second factor). */
export async function signIn(email: string, password: string): Promise<Problem | undefined> {
  const answer = await login({ email, password, clientType: "browser" }, { credentials: "same-origin" });
  if (answer.status !== 200) return answer.data;
  if (isMfa(answer.data)) {
    set({ kind: "mfa", challenge: answer.data });
    return undefined;
  }
  await accept(answer.data);
  return undefined;
}

/** What a person typed as a second factor: six digits are an authenticator code, anything else a recovery code. */
export function secondFactorProof(typed: string): { code: string } | { recoveryCode: string } {
  return /^\d{6}$/.test(typed) ? { code: typed } : { recoveryCode: typed };
}

export async function completeSecondFactor(ticket: string, code: string): Promise<Problem | undefined> {
  const answer = await verifyMfa(
    { ticket, ...secondFactorProof(code), clientType: "browser" },
    { credentials: "same-origin" },
  );
  if (answer.status !== 200) return answer.data;
  await accept(answer.data as TokenResponse);
  return undefined;
}

export function cancelSecondFactor(): void {
  clear();
}

export async function signOut(everywhere = false): Promise<void> {
  const token = accessToken;
  if (token !== undefined) {
    await (everywhere ? logoutAll({ accessToken: token }) : logout({ accessToken: token })).catch(() => undefined);
  }
  clear(everywhere ? "Signed out on every device." : "Signed out.");
}

interface Answer {
  readonly status: number;
  readonly data?: unknown;
}

/**
 * Runs one generated operation with the access token; when the token was refused (expired,
 * revoked), refreshes once from the cookie and runs it again.
 */
export async function authed<R extends Answer>(operation: (init: RampartRequestInit) => Promise<R>): Promise<R> {
  if (accessToken === undefined) await refresh();
  const first = await operation({ accessToken: accessToken ?? "" });
  if (first.status !== 401) return first;
  if (codeOf(first.data) === "auth.step_up_required") {
    return (await stepUp(detailOf(first.data))) ? operation({ accessToken: accessToken ?? "" }) : first;
  }
  if (!tokenRefused(first.data)) return first;
  if (!(await refresh())) return first;
  return operation({ accessToken: accessToken ?? "" });
}

/** What the user typed to confirm it is them: the password, and the code when the account has a factor. */
export interface StepUpAnswer {
  readonly password: string;
  readonly code?: string;
}

let stepUpPrompt: ((detail: string) => Promise<StepUpAnswer | undefined>) | undefined;

/** The signed-in layout's dialog that asks for the password when an action needs a recent sign-in. */
export function setStepUpPrompt(prompt: typeof stepUpPrompt): void {
  stepUpPrompt = prompt;
}

/**
 * RFC 9470 step-up: the API refused because the sign-in is too old (or lacked the second
 * factor). The user confirms, the token is replaced by a fresh one, and the caller retries.
 */
async function stepUp(detail: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3 && stepUpPrompt; attempt++) {
    const answer = await stepUpPrompt(attempt === 0 ? detail : "That did not work: check the password (and code).");
    if (answer === undefined) return false;
    const body = answer.code ? { code: answer.code, password: answer.password } : { password: answer.password };
    const result = await reauthenticate(body, { accessToken: accessToken ?? "" });
    if (result.status === 200) {
      accessToken = result.data.accessToken;
      return true;
    }
  }
  return false;
}

function codeOf(body: unknown): unknown {
  return (body as { code?: unknown } | undefined)?.code;
}

function detailOf(body: unknown): string {
  const detail = (body as { detail?: unknown } | undefined)?.detail;
  return typeof detail === "string" ? detail : "This action needs a recent sign-in.";
}

function tokenRefused(body: unknown): boolean {
  const code = codeOf(body);
  return code === "auth.invalid_token" || code === "auth.token_expired" || code === "auth.missing_token";
}

/** The token of this tab, for the one place that must use fetch itself (file downloads). */
export function currentAccessToken(): string | undefined {
  return accessToken;
}

let companiesEpoch = 0;

/** The signed-in user's companies changed (an invitation accepted): the navigation reloads them. */
export function companiesChanged(): void {
  companiesEpoch += 1;
  for (const listener of listeners) listener();
}

export function companiesVersion(): number {
  return companiesEpoch;
}
