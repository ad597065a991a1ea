// The in-memory cluster of the unit tests held to the contract that the real kube-apiserver meets
// (test/integration/workflow-cluster-contract.test.ts runs the same checks there). Pure: no servers.
import { describe } from 'vitest';
import { clusterContract } from '../../support/cluster-contract.js';
import { MemoryCluster } from '../../support/memory-cluster.js';

describe('in-memory cluster: the API server contract', () => {
  let n = 0;
  clusterContract(async () => {
    const kube = new MemoryCluster();
    const namespace = `contract-${++n}`;
    await kube.create('Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    return { kube, namespace };
  });
});
