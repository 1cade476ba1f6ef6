import { constants } from "node:zlib";
import compress from "@fastify/compress";
import type { FastifyInstance } from "fastify";

/**
 * Compresses responses of at least `thresholdBytes` with br or gzip when the client
 * accepts it; smaller ones are not worth the CPU. Brotli runs at quality 4: the default
 * (11) is meant for static assets compressed once, and costs far too much per request.
 */
export async function installCompression(app: FastifyInstance, thresholdBytes: number): Promise<void> {
  await app.register(compress, {
    threshold: thresholdBytes,
    encodings: ["br", "gzip"],
    brotliOptions: { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } },
  });
}
