/** The users/me query and answer every reference server shares, shaped like Rampart's `User`. */
export const SELECT_USER = {
  name: "reference-users-me",
  text: "select id, email, name, email_verified_at, platform_role, created_at from users where id = $1 and status = 'active'",
};

export interface UserRow {
  id: string;
  email: string;
  name: string;
  email_verified_at: Date | string | null;
  platform_role: "user" | "admin";
  created_at: Date | string;
}

export function publicUser(row: UserRow) {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    emailVerified: row.email_verified_at !== null,
    platformRole: row.platform_role,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** One rate-limit hit: a fixed one-minute window, INCR and EXPIRE in one round trip. */
export const RATE_LIMIT_PER_MINUTE = 1_000_000_000;

export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}
