// Governance (issue 6), the service side, by concern: `load` (plain data for the pure functions in
// lib/shared/policy), `evaluate` (step back and opted-in auto-adjust: on request, after outcomes,
// on a timer), `canary` (planting canaries), `autonomy` (graduation proposals), `export` (the
// feedback export) and `history` (demo and test data). Routes: server/routes/governance.ts.

export { acceptProposal, autonomyProposal } from './autonomy';
export { afterIngest, insertCanary, plantCanaries } from './canary';
export {
  backgroundEvaluator,
  EVALUATE_EVERY_MS,
  evaluateAll,
  evaluateWorkflow,
  runEvaluation,
} from './evaluate';
export { exportFeedback } from './export';
export { writeHistory } from './history';
export { contentWords, type LoadFilter, loadItems, loadPolicy } from './load';
