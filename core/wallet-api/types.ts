/**
 * Bodies and paths of the wallet's HTTP API (server/wallet), used by the
 * wallet page (renderer/wallet). Every route is under /wallet/api; every
 * non-GET route with a session needs the header `x-csrf-token`.
 * Errors are `{code, message, details?}` from core's registry.
 */
export const WALLET_API = {
  registerOptions: '/wallet/api/register/options',
  registerVerify: '/wallet/api/register/verify',
  signInOptions: '/wallet/api/sign-in/options',
  signInVerify: '/wallet/api/sign-in/verify',
  session: '/wallet/api/session',
  signOut: '/wallet/api/sign-out',
  revokeAll: '/wallet/api/sessions/revoke-all',
  units: '/wallet/api/units',
  paymentMethods: '/wallet/api/payment-methods',
  paymentPassword: '/wallet/api/payment-password',
  demoUsers: '/wallet/api/demo/users',
  demoSignIn: '/wallet/api/demo/sign-in',
  /** The sandbox acquirer's tokenisation route: card details in, a token out. */
  tokenise: '/sandbox-acquirer/tokens',
} as const;

/** The header a page sends the session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

export type WalletUserView = { userId: string; name: string; phone: string };

/** What a page needs after sign-in, registration, or reading its session. */
export type WalletSessionView = {
  user: WalletUserView;
  csrfToken: string;
  expiresAt: string;
  hasPaymentPassword: boolean;
  passkeys: number;
};

export type RegisterOptionsRequest = { name: string; phone: string };
export type RegisterVerifyRequest = { response: unknown /* RegistrationResponseJSON */ };
export type SignInOptionsRequest = { phone?: string };
export type SignInVerifyRequest = { response: unknown /* AuthenticationResponseJSON */ };

export type UnitView = { buildingId: string; buildingName: string; unit: string; role: string };
export type JoinUnitRequest = { buildingId: string; unit: string };

export type PaymentMethodView = { id: string; bin: string; last4: string; isDefault: boolean; createdAt: string };
export type AddPaymentMethodRequest = { token: string; makeDefault?: boolean };

export type SetPaymentPasswordRequest = { password: string; currentPassword?: string };

/** Card details sent to the acquirer's tokenisation route only; never to the wallet API. */
export type TokeniseCardRequest = { number: string; expMonth: number; expYear: number; cvc: string };
export type TokeniseCardResponse = { token: string; bin: string; last4: string };

export type DemoUserView = { userId: string; name: string; phone: string; role: 'resident' | 'shopper' };
