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

export const SELECT_MEMBERSHIP = {
  name: "reference-membership",
  text: "select role from memberships where company_id = $1 and user_id = $2",
};

export const SELECT_API_KEY = {
  name: "reference-api-key",
  text: "select company_id, secret_hash, scopes, expires_at, revoked_at from api_keys where prefix = $1",
};

export interface ApiKeyRow {
  company_id: string;
  secret_hash: string;
  scopes: string | string[];
  expires_at: string | Date | null;
  revoked_at: string | Date | null;
}

/** One page of 50, keyset-ordered by user id as Rampart pages members. */
export const SELECT_MEMBERS = {
  name: "reference-members",
  text: "select m.user_id, u.email, u.name, m.role, m.created_at from memberships m join users u on u.id = m.user_id where m.company_id = $1 order by m.user_id limit 51",
};

export interface MemberRow {
  user_id: string;
  email: string;
  name: string;
  role: string;
  created_at: Date | string;
}

export function publicMember(row: MemberRow) {
  return {
    userId: row.user_id,
    email: row.email,
    name: row.name,
    role: row.role,
    joinedAt: new Date(row.created_at).toISOString(),
  };
}

/** One rate-limit hit: a fixed one-minute window, INCR and EXPIRE in one round trip. */
export const RATE_LIMIT_PER_MINUTE = 1_000_000_000;

export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}
