// The cluster side of the plugin: kubeconfig selection, API discovery, server-side apply, read-back.
export { loadKubeConfig, type KubeConfigOptions, type KubeTarget, type KubeConfigError } from './config.js';
export { KubeClient, type KubeResponse, type KubeStatus, isStatus, statusMessage } from './client.js';
export { checkRequiredApis, operatorFor, describeObject, type ApiCheck, type ApiResource, type MissingApi } from './discovery.js';
export { applyOrder, kindRank, apiGroup } from '../plan/order.js';
export {
  applyObjects,
  objectPath,
  sameStoredObject,
  summarize,
  FIELD_MANAGER,
  type ApplyOptions,
  type ApplyReport,
  type ApplyResult,
  type ApplyStatus,
} from './apply.js';
export { diffSentStored, readBack, type FieldDiff, type ReadBackResult } from './readback.js';
export { applyPlanToCluster, formatApplyReport, type PlanApplyFlags, type PlanApplyOutcome } from './plan-apply.js';
