export * from './vt-error.js';
export * from './catalogue.js';
