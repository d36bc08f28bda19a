// The little of Express 5 these tests use (@types/express is not a dependency of this package).
declare module "express" {
  import type { Server } from "node:http";

  interface Application {
    post(path: string, handler: (...args: never[]) => void): Application;
    listen(port: number, host: string, callback?: () => void): Server;
  }
  export default function express(): Application;
}
