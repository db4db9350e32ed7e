/**
 * The one typed API between the UIs and the gateway. The gateway implements
 * it in process; the HTTP client and the Electron preload bridge implement it
 * for the renderer. A method rejects with an EdgePayError (rebuilt from
 * `{code, message}` by the transports).
 */
import type {
  CameraFrame,
  CameraFrameResult,
  ConsoleOverview,
  DeviceView,
  EnrolmentView,
  EnrolRequest,
  GatewayEvent,
  KioskState,
  NetworkState,
  OperatorSession,
  PayOutcome,
  PaymentFilter,
  SiteView,
  SyncStatus,
  UnsentSummary,
} from './types.ts';
import type { PaymentDoc } from '../schemas/index.ts';

export type KioskApi = {
  kioskState(): Promise<KioskState>;
  scan(barcode: string): Promise<KioskState>;
  /** Product recognition on a kiosk camera frame (RECOGNITION_UNAVAILABLE where the gateway runs none). */
  cameraFrame(frame: CameraFrame): Promise<CameraFrameResult>;
  setQuantity(productId: string, quantity: number): Promise<KioskState>;
  remove(productId: string): Promise<KioskState>;
  clear(): Promise<KioskState>;
  pay(): Promise<PayOutcome>;
};

/** Console methods take the operator's session token (from signIn). */
export type ConsoleApi = {
  signIn(pin: string): Promise<OperatorSession>;
  signOut(token: string): Promise<void>;
  overview(token: string): Promise<ConsoleOverview>;
  syncStatus(token: string): Promise<SyncStatus | null>;
  devices(token: string): Promise<DeviceView[]>;
  payments(token: string, filter: PaymentFilter): Promise<PaymentDoc[]>;
  payment(token: string, id: string): Promise<PaymentDoc>;
  declinedAfterForward(token: string): Promise<PaymentDoc[]>;
  site(token: string): Promise<SiteView>;
  unsent(token: string): Promise<UnsentSummary>;
  network(token: string): Promise<NetworkState>;
  setNetwork(token: string, enabled: boolean): Promise<NetworkState>;
  /** Products taught to recognition at this site (from any of its gateways). */
  enrolments(token: string): Promise<EnrolmentView[]>;
  enrolProduct(token: string, request: EnrolRequest): Promise<EnrolmentView>;
  /** Deletes a product's enrolments everywhere in the site (the deletion replicates). */
  forgetProduct(token: string, productId: string): Promise<{ removed: number }>;
};

export type Unsubscribe = () => void;

/** What the renderer holds: both APIs and live events. */
export type GatewayClient = KioskApi &
  ConsoleApi & {
    /** Events as they happen; console events only after `authenticateEvents`. */
    onEvent(listener: (event: GatewayEvent) => void): Unsubscribe;
    authenticateEvents(token: string | null): void;
    /** Is the live channel connected? (The UI shows a hint when it is not.) */
    onConnection(listener: (connected: boolean) => void): Unsubscribe;
  };
