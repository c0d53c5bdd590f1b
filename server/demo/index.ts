export * from './catalog';
export * from './generate';
export * from './random';
export * from './users';
