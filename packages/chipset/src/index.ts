export * from './isa/index.js';
export * from './pc/index.js';
