/** What every part of the credit flow shares: the database, keys, the institution, settings. */
import type { Db } from '../../db/index.ts';
import type { UsersAtUnit } from '../../payment-requests/index.ts';
import type { accountOpener } from './accounts.ts';
import type { CreditInstitution } from './institution.ts';
import type { Sealer } from './sealing.ts';
import type { SigningKey } from './signing.ts';

export type CreditSettings = {
  /** An authorisation not captured within this lapses and releases the limit (default 28 days). */
  approvalTtlSeconds: number;
  /** Instalments fall due every this many seconds from delivery (default 14 days). */
  instalmentIntervalSeconds: number;
  /** The merchant's discount fee on a payout, in basis points (default 300: 3%). */
  feeBasisPoints: number;
  /** How long the buyer has to confirm the loan on the phone (default 900 s, a request to pay's longest). */
  confirmTtlSeconds: number;
};

export type CreditContext = {
  db: Db;
  sealer: Sealer;
  pgKey: SigningKey;
  institution: CreditInstitution;
  /** The institution's public key as a JWK (published at /v1/credit/keys). */
  institutionJwk: SigningKey['publicJwk'];
  settings: CreditSettings;
  usersAtUnit: UsersAtUnit;
  /** The wallet user with this phone number (a kiosk's buyer), if any. */
  userByPhone(phone: string): Promise<string | undefined>;
  open: ReturnType<typeof accountOpener>;
  /** Asks the worker for a pass soon (a buyer answered, a deadline moved). */
  nudge(): void;
};

/** The sealed part of a loan row: what names a person. */
export type SealedOrder = {
  buyerUserId: string;
  items: { name: string; quantity: number; amount: number }[];
  delivery: { name: string; address: string };
};
