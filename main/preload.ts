/**
 * The preload script (sandboxed: it may require only 'electron'; bundle it
 * into one CommonJS file for packaging). One typed API on window.edgepay.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './preload-api.ts';

contextBridge.exposeInMainWorld('edgepay', createPreloadApi(ipcRenderer));
