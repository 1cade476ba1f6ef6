import { type Static, type TSchema, type TUnsafe, Type } from "@sinclair/typebox";

/**
 * A reference to a schema registered with `app.addSchema` — `{ "$ref": "<its $id>" }` in the
 * route and the OpenAPI document, exactly as `Type.Ref("<its $id>")` — that keeps the
 * schema's static type, so a handler reads `request.body`, `params` and `querystring` typed
 * by its route's own schema instead of casting them.
 */
export function schemaRef<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  if (schema.$id === undefined) throw new Error("schemaRef needs a schema with an $id");
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}
