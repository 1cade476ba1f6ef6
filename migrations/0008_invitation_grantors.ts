import { type Kysely, sql } from "kysely";
import type { ColumnTypes } from "../src/platform/db/dialect.ts";

/**
 * Issue #20: a pending invitation is only as good as its grantor's current rights, so an
 * invitation an API key sent must name that key (its creator's rights are checked when the
 * invitation is accepted). And a deleted account is a member of nothing: the memberships
 * deleted accounts kept until now are removed (account deletion now removes them itself).
 */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema.alterTable("invitations").addColumn("invited_by_api_key", t.id).execute();
  await sql`delete from memberships where user_id in (select id from users where status = 'deleted')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("invitations").dropColumn("invited_by_api_key").execute();
}
