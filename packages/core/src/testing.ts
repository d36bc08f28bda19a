// @hooks/core/testing: the idempotency port's contract, for store packages to run in their tests.
export { type ContractCase, idempotencyStoreContract, type StoreHarness } from "./idempotency/contract";
