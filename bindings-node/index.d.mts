// Types of the ES module entry point: the same declarations as index.d.ts.
export * from './index.js'
