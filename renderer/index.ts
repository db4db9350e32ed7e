/**
 * renderer: the UIs (kiosk checkout, lobby terminal, wallet, operator
 * console). It imports core only and reaches the gateway through one typed API.
 *
 * Not built yet; nothing is exported.
 */
export {};
