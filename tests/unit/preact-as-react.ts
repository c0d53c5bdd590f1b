/**
 * `react` for the panel's unit tests in the `panel-preact` project (vitest.config.ts): the review
 * content script is built with preact/compat in place of React DOM (wxt.config.ts), so its
 * components are also tested on the renderer that ships. preact/compat has everything the panel uses
 * except `act`, which Preact keeps in its test utilities.
 */
// Its types are written as `export =` (React's shape); at run time it is an ES module with named exports.
// @ts-expect-error TS2498: `export *` of an `export =` declaration
export * from 'preact/compat';
export { default } from 'preact/compat';
export { act } from 'preact/test-utils';
