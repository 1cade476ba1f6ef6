import { createRequire } from "node:module";
import type { FastifyServerOptions } from "fastify";

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]>;
type Compiled = ((data: unknown) => unknown) & { errors?: unknown };
type Builder = (externalSchemas: unknown, options: unknown) => (routeSchema: unknown) => Compiled;

const require = createRequire(import.meta.url);

/**
 * Fastify's own compilers (Ajv for requests, fast-json-stringify for responses), each
 * route's schema compiled on its first use instead of at start. Compiling the ~150 schemas of
 * every route up front was most of the process's start time (about a second of Ajv and
 * fast-json-stringify code generation) and held the generated code of routes a process may
 * never serve. The validator is the very one Fastify would have built — same Ajv options,
 * formats and shared schemas — so what a request is checked against does not change; a route
 * pays its compilation once, on its first request.
 *
 * A schema Fastify cannot compile is still found before release: the OpenAPI and contract
 * tests call every route, and `test/platform/http/lazy-schema-compilers.test.ts` compiles every
 * route's schemas of the whole app (`compileAll`).
 */
export interface LazySchemaCompilers {
  /** For Fastify's `schemaController.compilersFactory`. */
  readonly factory: CompilersFactory;
  /** Compiles every schema not compiled yet and returns how many there were: a test's way to find a schema that cannot compile. */
  compileAll(): number;
}

export function lazySchemaCompilers(): LazySchemaCompilers {
  const pending = new Set<() => void>();
  return {
    factory: {
      buildValidator: lazily(require("@fastify/ajv-compiler")(), pending),
      buildSerializer: lazily(require("@fastify/fast-json-stringify-compiler")(), pending),
    } as unknown as CompilersFactory,
    compileAll() {
      const count = pending.size;
      for (const compileNow of pending) compileNow();
      return count;
    },
  };
}

function lazily(build: Builder, pending: Set<() => void>): Builder {
  return (externalSchemas, options) => {
    // Building the compiler is itself costly (an Ajv instance with every shared schema per
    // plugin context): deferred too. Fastify hands over a copy of the schemas, so building it
    // later sees exactly what building it now would have.
    let compile: ReturnType<Builder> | undefined;
    return (routeSchema) => {
      let compiled: Compiled | undefined;
      const compileNow = () => {
        compile ??= build(externalSchemas, options);
        compiled ??= compile(routeSchema);
        pending.delete(compileNow);
        return compiled;
      };
      pending.add(compileNow);
      const firstUse: Compiled = (data) => {
        const validate = compiled ?? compileNow();
        const result = validate(data);
        // Fastify reads a failed validation's errors from the function it was given (and only
        // then: a passing request or a serialised answer writes nothing here).
        if (result === false) firstUse.errors = validate.errors;
        return result;
      };
      return firstUse;
    };
  };
}
