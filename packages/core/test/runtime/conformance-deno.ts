// The conformance receiver on Deno's own server (Deno.serve), through `receiver.fetch` of the built
// core: run by runtimes-conformance.test.ts with `deno run --allow-net=127.0.0.1 --allow-read`, it
// prints `{"port":N}` once it listens.

import { CONFORMANCE, conformanceReceiver, runsResponse } from "@hooks/test-utils/conformance-app";
import * as core from "../../dist/index.js";

/** The part of Deno's API this script uses (no Deno types in the workspace). */
declare const Deno: {
  serve(
    options: { hostname: string; port: number; onListen(address: { port: number }): void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown;
};

const { receiver, runs } = conformanceReceiver(core);

Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(JSON.stringify({ port })) },
  (request) =>
    new URL(request.url).pathname === CONFORMANCE.runsPath ? runsResponse(runs, request.url) : receiver.fetch(request),
);
