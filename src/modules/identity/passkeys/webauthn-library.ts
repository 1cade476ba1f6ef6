// @simplewebauthn/server (with its X.509/ASN.1 stack) costs ~160 ms and ~27 MiB when loaded:
// a third of the difference between Rampart's idle footprint and its target (#21), for a
// feature most processes never use between restarts. It is loaded on the first passkey
// ceremony instead, once per process; the types stay static (they are erased).
type WebAuthnLibrary = typeof import("@simplewebauthn/server");

let loading: Promise<WebAuthnLibrary> | undefined;

export function webauthnLibrary(): Promise<WebAuthnLibrary> {
  loading ??= import("@simplewebauthn/server");
  return loading;
}
