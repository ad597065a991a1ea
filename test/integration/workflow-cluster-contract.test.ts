// The workflow's Cluster on the real kube-apiserver (kube-ops.ts: client-node's KubernetesObjectApi and
// Watch through src/kube) held to the contract that the unit tests' in-memory cluster is also held to
// (test/unit/workflow/cluster-contract.test.ts): the real server is the reference for the fake.
import { afterAll, beforeAll, describe } from 'vitest';
import type { Kube } from '../../src/workflow/kube-ops.js';
import type { TestApiServer } from '../support/apiserver.js';
import { clusterContract } from '../support/cluster-contract.js';
import { ensureNamespace, startWorkflowApiServer } from '../support/workflow-fixtures.js';

let api: TestApiServer | undefined;
let kube: Kube | undefined;

beforeAll(async () => {
  ({ api, kube } = await startWorkflowApiServer());
}, 120_000);
afterAll(async () => {
  await api?.stop();
});

describe('kube-apiserver through kube-ops: the API server contract', () => {
  let n = 0;
  clusterContract(async () => {
    if (!kube) throw new Error('no API server');
    const namespace = `contract-${++n}`;
    await ensureNamespace(kube, namespace);
    return { kube, namespace };
  });
});
