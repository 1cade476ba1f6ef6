import { useEffect, useState } from "preact/hooks";
import {
  listSocialProviders,
  type SocialProviderList,
  startSocialSignIn,
  startSso,
} from "../../../clients/typescript/index.ts";
import { ErrorBox, type Failure, Field, failureOf, networkFailure, Page, useLoad } from "../ui.tsx";

/**
 * Whether discovery's redirect is an identity provider's authorization request. For an address
 * without SSO the API answers the same 200 and shape with the app's own sign-in page
 * (docs/sso.md, "What discovery reveals"), so the console tells them apart by protocol: an
 * OIDC authorization request carries client_id and state, a SAML HTTP-Redirect one SAMLRequest.
 * Sending the browser to the app's page instead would leave the console for a page that may not
 * exist on this origin, with no word of why.
 */
export function isIdpRequest(redirectUrl: string): boolean {
  try {
    const params = new URL(redirectUrl).searchParams;
    return params.has("SAMLRequest") || (params.has("client_id") && params.has("state"));
  } catch {
    return false;
  }
}

const noSso = (email: string): Failure => ({
  title: "No single sign-on",
  detail: "Sign in with your password, or ask your company's administrator.",
  code: "console.no_sso",
  errors: [{ path: "/body/email", message: `No company signs in with single sign-on for ${email}.` }],
});

/**
 * Home-realm discovery: the work email → the company's identity provider. The browser keeps the
 * binding cookie the start sets (credentials: same-origin); after the IdP, the API's callback
 * sets the refresh cookie and sends the browser to SSO_SIGNED_IN_URL, where the console's
 * start-up refresh signs it in.
 */
export function SsoSignIn({ onBack }: { readonly onBack: () => void }) {
  const [email, setEmail] = useState("");
  const [failure, setFailure] = useState<Failure | undefined>();
  const [busy, setBusy] = useState(false);
  // The form replaced the password form without a navigation: focus goes to its heading, as
  // the router does on a new page, so keyboards and screen readers follow.
  useEffect(() => document.querySelector<HTMLElement>("main h1")?.focus(), []);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const answer = await startSso({ email: email.trim() }, { credentials: "same-origin" });
      if (answer.status !== 200) return setFailure(failureOf(answer));
      if (!isIdpRequest(answer.data.redirectUrl)) return setFailure(noSso(email.trim()));
      setFailure(undefined);
      window.location.assign(answer.data.redirectUrl);
    } catch {
      setFailure(networkFailure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Page title="Sign in with SSO">
      <p>Enter your work email: you continue at your company's identity provider, then come back signed in.</p>
      <form onSubmit={submit} noValidate>
        {failure && <ErrorBox failure={failure} />}
        <Field
          label="Work email"
          name="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onInput={setEmail}
          failure={failure}
        />
        <div class="actions">
          <button type="button" onClick={onBack}>
            Back
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Continuing…" : "Continue"}
          </button>
        </div>
      </form>
    </Page>
  );
}

/**
 * One button per social provider the deployment enabled (the public listing): nothing when
 * there is none, or when the listing fails (the password form still works).
 */
export function SocialButtons({ disabled }: { readonly disabled: boolean }) {
  const [providers] = useLoad(
    () => listSocialProviders(),
    (data) => (data as SocialProviderList).providers,
    "social-providers",
  );
  const [failure, setFailure] = useState<Failure | undefined>();
  if (providers.kind !== "ready" || providers.value.length === 0) return null;
  const start = async (key: string) => {
    try {
      const answer = await startSocialSignIn(key, { credentials: "same-origin" });
      if (answer.status !== 200) return setFailure(failureOf(answer));
      window.location.assign(answer.data.redirectUrl);
    } catch {
      setFailure(networkFailure);
    }
  };
  return (
    <section aria-label="Sign in with another account">
      {failure && <ErrorBox failure={failure} />}
      <div class="actions">
        {providers.value.map((p) => (
          <button key={p.key} type="button" disabled={disabled} onClick={() => void start(p.key)}>
            Sign in with {p.name}
          </button>
        ))}
      </div>
    </section>
  );
}
