export * from './audit';
export * from './common';
export * from './decision';
export * from './draft';
export * from './outcome';
export * from './sync';
export * from './user';
export * from './workflow';
