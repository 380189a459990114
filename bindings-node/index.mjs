// The ES module entry point (`import … from 'erpops'`): the CommonJS
// package's named exports and the package object as the default export, one
// instance for both module systems (no dual-package state).
export * from './index.js'
export { default } from './index.js'
