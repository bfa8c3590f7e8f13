export * from './isa/index.js';
export * from './pc/index.js';
export * from './vmware/index.js';
