export * from "./protocol.js";
export * from "./storage.js";
export { MemoryStorage } from "./memory-storage.js";
export * from "./clock.js";
export * from "./transport.js";
export * from "./tabs.js";
export { RowViews, viewId, deepEqual, type EffectTx, type ClientMutator, type ViewBatch, type ViewChange } from "./view.js";
export { NizhalEngine, type EngineOptions, type SyncStatus, type WriteHandle } from "./engine.js";
export { RealtimeLink, type RealtimeHost, type RealtimeOptions } from "./realtime.js";
