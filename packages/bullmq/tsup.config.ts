// The shared build of single-entry Node packages: ESM + CJS with declarations, dependencies external.
export { default } from "../../tsup.shared";
