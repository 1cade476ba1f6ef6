import type {
  FastifyInstance,
  onRequestHookHandler,
  onResponseHookHandler,
  onSendHookHandler,
  preHandlerHookHandler,
  RouteOptions,
} from "fastify";

interface RouteHookHandlers {
  readonly onRequest: onRequestHookHandler;
  readonly preHandler: preHandlerHookHandler;
  readonly onSend: onSendHookHandler;
  readonly onResponse: onResponseHookHandler;
}

type RouteHookPhase = keyof RouteHookHandlers;

/** Marks a hook with the concern that added it, so a copied route does not get it twice. */
const CONCERN = Symbol("rampart.routeHookConcern");

export function asArray<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [value as T];
}

/**
 * Adds a hook to each route that needs it, decided once when the route is registered from
 * what the route declares (its access, tier, feature flag…), instead of a global hook that
 * reads the declaration on every request: `request.routeOptions` builds a new object per
 * read, and every global hook is a step of every request, probes included (the GET /health
 * target in docs/benchmarks.md). Route hooks run after the global hooks of their phase, in
 * the order their concerns were added.
 *
 * Routes registered as copies of a route that already has the concern's hook (Fastify's HEAD
 * twin of a GET route copies its hooks) keep the copy and get no second one.
 */
export function addRouteHook<P extends RouteHookPhase>(
  app: FastifyInstance,
  phase: P,
  concern: string,
  forRoute: (route: RouteOptions) => RouteHookHandlers[P] | undefined,
): void {
  app.addHook("onRoute", (route: RouteOptions) => {
    const existing = asArray(route[phase] as RouteHookHandlers[P] | RouteHookHandlers[P][] | undefined);
    if (existing.some((hook) => (hook as { [CONCERN]?: string })[CONCERN] === concern)) return;
    const hook = forRoute(route);
    if (hook === undefined) return;
    Object.defineProperty(hook, CONCERN, { value: concern });
    (route as unknown as Record<P, RouteHookHandlers[P][]>)[phase] = [...existing, hook];
  });
}
