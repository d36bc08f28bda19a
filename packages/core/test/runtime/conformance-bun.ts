// The conformance receiver on Bun's own server (Bun.serve), through `receiver.fetch` of the built
// core: run by runtimes-conformance.test.ts with `bun`, it prints `{"port":N}` once it listens.

import { CONFORMANCE, conformanceReceiver, runsResponse } from "@hooks/test-utils/conformance-app";
import * as core from "../../dist/index.js";

/** The part of Bun's API this script uses (no @types/bun in the workspace). */
declare const Bun: {
  serve(options: { hostname: string; port: number; fetch(request: Request): Response | Promise<Response> }): {
    readonly port: number;
  };
};

const { receiver, runs } = conformanceReceiver(core);

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: (request) =>
    new URL(request.url).pathname === CONFORMANCE.runsPath ? runsResponse(runs, request.url) : receiver.fetch(request),
});
console.log(JSON.stringify({ port: server.port }));
