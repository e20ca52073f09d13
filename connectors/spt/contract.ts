/** The contract loader is shared by every connector whose contract is JSON Schema. */
export { type Contract, capErrors, loadContract } from '../shared/contract.ts';
