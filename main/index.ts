/**
 * main: the Electron main process (window, preload bridge, IPC; starts
 * edge-services in a utility process). Thin: no business logic.
 *
 * Not built yet; nothing is exported. The Electron binary cannot be
 * downloaded on build machines, so nothing in `npm test` will ever start it.
 */
export {};
