import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import { cborEncode } from "./cbor.ts";

// A software WebAuthn authenticator: ES256 keys from node:crypto, "none" attestation, and
// authenticator data and client data built byte by byte as the WebAuthn spec lays them out —
// real protocol objects the server verifies exactly as it would a browser's. Every field a
// test may want to tamper with can be overridden per call.

const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

export interface AuthenticatorOptions {
  /** The page's origin, as the browser would put it in the client data. */
  readonly origin: string;
  /** The RP ID whose hash goes into the authenticator data. */
  readonly rpId: string;
  /** Synced passkey (backup eligible and backed up: BE and BS set). Default false. */
  readonly backupEligible?: boolean;
}

/** What one ceremony may change: each is how an attacker or a broken client would differ. */
export interface CeremonyOverrides {
  readonly origin?: string;
  readonly rpId?: string;
  readonly challenge?: string;
  readonly type?: string;
  /** User verified (UV flag). Default true. */
  readonly userVerified?: boolean;
  /** The signature counter to report (assertions; default: one more than last time). */
  readonly counter?: number;
  /** Flip a bit of the signature. */
  readonly tamperSignature?: boolean;
}

export interface StoredCredential {
  readonly id: Buffer;
  readonly privateKey: KeyObject;
  readonly userHandle: string;
  counter: number;
}

export interface CreationOptionsLike {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}

export interface RequestOptionsLike {
  challenge: string;
  allowCredentials?: { id: string }[];
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest();

export class SoftwareAuthenticator {
  readonly origin: string;
  readonly rpId: string;
  readonly backupEligible: boolean;
  readonly credentials: StoredCredential[] = [];

  constructor(options: AuthenticatorOptions) {
    this.origin = options.origin;
    this.rpId = options.rpId;
    this.backupEligible = options.backupEligible ?? false;
  }

  private clientData(type: string, challenge: string, o: CeremonyOverrides): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: o.type ?? type,
        challenge: o.challenge ?? challenge,
        origin: o.origin ?? this.origin,
        crossOrigin: false,
      }),
    );
  }

  private flags(o: CeremonyOverrides, extra: number): number {
    let flags = FLAG.UP | extra;
    if (o.userVerified ?? true) flags |= FLAG.UV;
    if (this.backupEligible) flags |= FLAG.BE | FLAG.BS;
    return flags;
  }

  private authData(o: CeremonyOverrides, flags: number, counter: number, attested?: Buffer): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(o.rpId ?? this.rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
  }

  /**
   * navigator.credentials.create: a new resident ES256 credential, "none" attestation — or,
   * given `existing`, that credential again (an authenticator ignoring excludeCredentials).
   */
  register(options: CreationOptionsLike, o: CeremonyOverrides = {}, existing?: StoredCredential) {
    const privateKey = existing?.privateKey ?? generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const publicKey = createPublicKey(privateKey);
    const jwk = publicKey.export({ format: "jwk" });
    const coseKey = cborEncode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(String(jwk.x), "base64url")],
        [-3, Buffer.from(String(jwk.y), "base64url")],
      ]),
    );
    const id = existing?.id ?? randomBytes(16);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, id, coseKey]);
    const authData = this.authData(o, this.flags(o, FLAG.AT), 0, attested);
    const attestationObject = cborEncode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]),
    );
    if (!existing) this.credentials.push({ id, privateKey, userHandle: options.user.id, counter: 0 });
    const clientDataJSON = this.clientData("webauthn.create", options.challenge, o);
    return {
      id: id.toString("base64url"),
      rawId: id.toString("base64url"),
      type: "public-key" as const,
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientDataJSON.toString("base64url"),
        attestationObject: attestationObject.toString("base64url"),
        transports: ["internal"],
      },
    };
  }

  /** navigator.credentials.get: signs with the allowed credential, or the newest one (discoverable). */
  assert(options: RequestOptionsLike, o: CeremonyOverrides = {}, credential = this.pick(options)) {
    credential.counter = o.counter ?? credential.counter + 1;
    const authData = this.authData(o, this.flags(o, 0), credential.counter);
    const clientDataJSON = this.clientData("webauthn.get", options.challenge, o);
    const signature = sign("sha256", Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    if (o.tamperSignature) signature[signature.length - 1] = (signature.at(-1) ?? 0) ^ 0x01;
    return {
      id: credential.id.toString("base64url"),
      rawId: credential.id.toString("base64url"),
      type: "public-key" as const,
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientDataJSON.toString("base64url"),
        authenticatorData: authData.toString("base64url"),
        signature: signature.toString("base64url"),
        userHandle: credential.userHandle,
      },
    };
  }

  private pick(options: RequestOptionsLike): StoredCredential {
    const allowed = new Set((options.allowCredentials ?? []).map((c) => c.id));
    const candidates = this.credentials.filter((c) => allowed.size === 0 || allowed.has(c.id.toString("base64url")));
    const credential = candidates.at(-1);
    if (!credential) throw new Error("the software authenticator holds no matching credential");
    return credential;
  }
}
