import type {
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";

// The request bodies (schemas.ts) as @simplewebauthn/server's types: the same JSON, with the
// open-ended string lists narrowed to the values the library knows (a browser may send
// transports it does not, which are dropped rather than refused).

const TRANSPORTS: readonly AuthenticatorTransport[] = ["ble", "hybrid", "internal", "nfc", "usb"];

export function knownTransports(values: readonly unknown[] | undefined): AuthenticatorTransport[] {
  return (values ?? []).flatMap((v) => TRANSPORTS.filter((t) => t === v));
}

const attachmentOf = (value: string | undefined) =>
  value === "platform" || value === "cross-platform" ? value : undefined;

export interface RegistrationBodyCredential {
  id: string;
  rawId: string;
  type: "public-key";
  authenticatorAttachment?: string;
  response: { clientDataJSON: string; attestationObject: string; transports?: string[] };
}

export interface AuthenticationBodyCredential {
  id: string;
  rawId: string;
  type: "public-key";
  authenticatorAttachment?: string;
  response: { clientDataJSON: string; authenticatorData: string; signature: string; userHandle?: string };
}

export function registrationJSON(body: RegistrationBodyCredential): RegistrationResponseJSON {
  return {
    id: body.id,
    rawId: body.rawId,
    type: body.type,
    authenticatorAttachment: attachmentOf(body.authenticatorAttachment),
    clientExtensionResults: {},
    response: {
      clientDataJSON: body.response.clientDataJSON,
      attestationObject: body.response.attestationObject,
      transports: knownTransports(body.response.transports),
    },
  };
}

export function authenticationJSON(body: AuthenticationBodyCredential): AuthenticationResponseJSON {
  return {
    id: body.id,
    rawId: body.rawId,
    type: body.type,
    authenticatorAttachment: attachmentOf(body.authenticatorAttachment),
    clientExtensionResults: {},
    response: {
      clientDataJSON: body.response.clientDataJSON,
      authenticatorData: body.response.authenticatorData,
      signature: body.response.signature,
      userHandle: body.response.userHandle,
    },
  };
}
