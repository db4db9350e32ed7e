/** edge-services/flows/two-channel: the payment device's side of the two-channel flow (a pump, a parking gate, a kiosk). */
export { TwoChannelPaymentDevice, type PaymentDeviceConfig, type PaymentDeviceState } from './payment-device.ts';
