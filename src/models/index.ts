/** models: public API (filled in by its issue). */
export {};
export * from './lif-rate/index.js';
export * from './whitening/index.js';
export * from './ei-motifs/index.js';
