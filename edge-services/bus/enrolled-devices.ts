/**
 * Which devices may use the bus: device id, kind and CURVE public key.
 * The ZAP handler admits only keys in here; revoking removes the key so that
 * the next handshake is refused and every later message fails its MAC check.
 */
import { DEVICE_ID_PATTERN, EdgePayError, type DeviceKind } from '../../core/index.ts';
import { isCurveKey } from './curve-keys.ts';

export type EnrolledDevice = { readonly deviceId: string; readonly kind: DeviceKind; readonly publicKey: string };

const deviceIdPattern = new RegExp(DEVICE_ID_PATTERN);

export class EnrolledDevices {
  readonly #byId = new Map<string, EnrolledDevice>();
  readonly #byKey = new Map<string, EnrolledDevice>();
  readonly #revokeListeners = new Set<(device: EnrolledDevice) => void>();

  enroll(device: EnrolledDevice): void {
    if (!deviceIdPattern.test(device.deviceId)) {
      throw new EdgePayError('BUS_MESSAGE_INVALID', { type: 'enrollment', detail: `device id "${device.deviceId}" does not match ${DEVICE_ID_PATTERN}` });
    }
    if (!isCurveKey(device.publicKey)) throw new EdgePayError('BUS_DEVICE_KEY_INVALID', { deviceId: device.deviceId });
    const holder = this.#byKey.get(device.publicKey);
    if (holder && holder.deviceId !== device.deviceId) {
      // One key, one device: otherwise the ZAP handler could not say who connected.
      throw new EdgePayError('BUS_DEVICE_KEY_INVALID', { deviceId: device.deviceId });
    }
    const previous = this.#byId.get(device.deviceId);
    if (previous) this.#byKey.delete(previous.publicKey);
    const frozen = Object.freeze({ ...device });
    this.#byId.set(device.deviceId, frozen);
    this.#byKey.set(device.publicKey, frozen);
  }

  /** Returns false if the device was not enrolled. */
  revoke(deviceId: string): boolean {
    const device = this.#byId.get(deviceId);
    if (!device) return false;
    this.#byId.delete(deviceId);
    this.#byKey.delete(device.publicKey);
    for (const listener of this.#revokeListeners) listener(device);
    return true;
  }

  get(deviceId: string): EnrolledDevice | undefined {
    return this.#byId.get(deviceId);
  }

  byPublicKey(publicKey: string): EnrolledDevice | undefined {
    return this.#byKey.get(publicKey);
  }

  list(): EnrolledDevice[] {
    return [...this.#byId.values()];
  }

  onRevoke(listener: (device: EnrolledDevice) => void): () => void {
    this.#revokeListeners.add(listener);
    return () => this.#revokeListeners.delete(listener);
  }
}
