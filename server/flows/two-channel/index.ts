/**
 * server/flows/two-channel: a dongle's rotating code heard over BLE by a
 * payment device, confirmed by the owner's phone with the dongle's one-time
 * code (DESIGN.md section 1). Its only public surface.
 */
export { twoChannelPlugin, type TwoChannelPluginOptions } from './plugin.ts';
export { twoChannelPaymentMethod } from './payment-method.ts';
export { provisionDongle, newDongleSecrets, type ProvisionDongle } from './dongles.ts';
