import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export type Coding = "identity" | "gzip" | "br";

/** One representation per content coding, each with its own strong ETag (RFC 9110 §8.8.3). */
export type EncodedDocument = Readonly<Record<Coding, { readonly body: Buffer; readonly etag: string }>>;

/**
 * Encodes a document once in every coding. Brotli at quality 5: about 40 ms for the 800 KB
 * document, against 500 ms at 11 for a 3 KB smaller answer.
 */
export async function encodeOnce(json: string): Promise<EncodedDocument> {
  const identity = Buffer.from(json);
  const hash = createHash("sha256").update(identity).digest("base64url").slice(0, 22);
  const [gz, br] = await Promise.all([
    gzipAsync(identity, { level: 9 }),
    brotli(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }),
  ]);
  return {
    identity: { body: identity, etag: `"${hash}"` },
    gzip: { body: gz, etag: `"${hash}-gzip"` },
    br: { body: br, etag: `"${hash}-br"` },
  };
}
