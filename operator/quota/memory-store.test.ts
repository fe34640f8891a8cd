import { describeQuotaStoreContract } from './__tests__/store-contract.js';
import { MemoryQuotaBackend, MemoryQuotaStore } from './memory-store.js';

describeQuotaStoreContract('memory', async () => {
  const backend = new MemoryQuotaBackend();
  return {
    stores: [1, 2, 3].map(() => new MemoryQuotaStore(backend)),
    wipe: async () => backend.wipe(),
    loseUsed: async (tenant) => backend.loseUsed(tenant),
    close: async () => {},
  };
});
