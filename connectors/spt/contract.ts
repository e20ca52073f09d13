/** The contract loader is shared by every connector whose contract is JSON Schema. */
export { type Contract, loadContract } from '../shared/contract.ts';
