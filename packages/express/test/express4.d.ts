// Types for the `express4` alias (npm:express@4): Express 5's types cover everything the tests use.
declare module "express4" {
  export { default } from "express";
}
