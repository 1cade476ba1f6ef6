import type { PasskeysTable, WebauthnChallengesTable } from "./passkeys/tables.ts";

export type UserStatus = "active" | "suspended" | "deleted";
export type PlatformRole = "user" | "admin";
export type EmailTokenPurpose = "verify_email" | "reset_password";

export interface UsersTable {
  id: string;
  email: string;
  email_verified_at: string | null;
  name: string;
  password_hash: string | null;
  platform_role: PlatformRole;
  status: UserStatus;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  user_agent: string | null;
  ip: string | null;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_reason: string | null;
  /** RFC 8176 methods of the last authentication, comma-separated (e.g. "pwd" or "pwd,otp,mfa"). */
  amr: string | null;
  /** When the session last authenticated (login or reauthentication); refresh keeps it. */
  auth_time: string | null;
  /** The SSO connection that started the session (issue #24); null for every other sign-in. */
  sso_connection_id?: string | null;
}

export interface RefreshTokensTable {
  id: string;
  session_id: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
  rotated_at: string | null;
  /** The successor token sealed with a key derived from this token (see secrets.ts). */
  successor_sealed: string | null;
}

export interface EmailTokensTable {
  id: string;
  user_id: string;
  purpose: EmailTokenPurpose;
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface LoginThrottlesTable {
  email_hash: string;
  failures: number;
  lockouts: number;
  locked_until: string | null;
  updated_at: string;
}

export type FactorKind = "totp";

export interface UserFactorsTable {
  id: string;
  user_id: string;
  kind: FactorKind;
  name: string;
  /** The TOTP seed, sealed (platform/crypto/secret-sealer.ts, purpose "totp-secrets"). */
  secret_sealed: string;
  /** The newest time step accepted: a code is accepted once (factors.ts). */
  last_used_step: number | null;
  confirmed_at: string | null;
  created_at: string;
  last_used_at: string | null;
}

export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  created_at: string;
  used_at: string | null;
}

export interface MfaTicketsTable {
  id: string;
  user_id: string;
  ticket_hash: string;
  /** Hash of what binds the ticket to its client (mfa-tickets.ts). */
  client_hash: string;
  /** Hash of the password hash verified at login: a password change voids the ticket. */
  credential_tag: string;
  failures: number;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface IdentityTables {
  user_factors: UserFactorsTable;
  recovery_codes: RecoveryCodesTable;
  mfa_tickets: MfaTicketsTable;
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  email_tokens: EmailTokensTable;
  login_throttles: LoginThrottlesTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
}
