// The little of Express the tests use (@types/express is not a dependency of this package).
declare module "express" {
  import type { RequestListener } from "node:http";

  type App = RequestListener & { post(path: string, ...handlers: unknown[]): App };
  export default function express(): App;
}
