/**
 * Preload of the Tincan window (sandboxed: it may require nothing but 'electron'). It only
 * publishes the bridge; see bridge.ts.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_GLOBAL } from '../main/common/ipc-contract';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, createBridge(ipcRenderer));
