// The conformance table (@hooks/test-utils' conformance suite) on real Next.js servers: App Router
// on the Node and Edge runtimes and a Pages Router API route, on Next 16 and Next 15, each route
// serving the conformance receiver (test/fixture/lib/conformance.ts) from the builds global-setup made.
import { describeConformance, type KnownGap, remoteRuns, residentBytes } from "@hooks/test-utils/conformance";
import { afterAll } from "vitest";
import { environment, type NextApp, startApp, VERSIONS } from "./next-app";

// Next's Edge sandbox under `next start` (next/dist/server/web/sandbox/sandbox.js, `run`) sends the
// route's Response only after `await params.request.body.finalize()`, which waits for the Node
// request's body to end: whatever the route answers, early answers wait for the client.
const EDGE_WAITS_FOR_THE_BODY =
  "Next's Edge sandbox (next start) holds the route's answer until the request body has ended, so an early answer waits for the client";
const NO_ANSWER = /expected \{ status: undefined, code: undefined \} to deeply equal/;
const EDGE_GAPS: readonly KnownGap[] = [
  { row: "declaredOverLimit", why: EDGE_WAITS_FOR_THE_BODY, symptom: NO_ANSWER },
  { row: "withheldBody", why: EDGE_WAITS_FOR_THE_BODY, symptom: NO_ANSWER },
  { row: "trickledBody", why: EDGE_WAITS_FOR_THE_BODY, symptom: NO_ANSWER },
  {
    row: "chunkedOverLimit",
    // next/dist/server/body-streams.js `getCloneableBody`: the body is copied into the sandbox with
    // no backpressure, and its first 10 MB are kept a second time for `finalize`. The 413 arrives
    // (once the upload ended); the growth the row measures was 40-50 MB on some runs, and under
    // 16 MiB on others (when earlier rows left the heap room to spare).
    why: "Next copies an Edge route's request body without backpressure and keeps its first 10 MB twice",
    symptom: /to be less than 16777216/,
    intermittent: true,
  },
];

/** The entry points of the fixture app, by the path their route serves. */
const ENTRY_POINTS = [
  // No body parser exists in the App Router: a route handler gets the Request unread, so the
  // parser-consumed row does not apply (the suite skips it without `capabilities.parserConsumed`).
  { name: "App Router, Node runtime", path: "/conformance/node", knownGaps: [] },
  { name: "App Router, Edge runtime", path: "/conformance/edge", knownGaps: EDGE_GAPS },
  // Next's body parser is what consumes a Pages route's body: the same receiver behind a route
  // that leaves it on must answer 500 invalid_payload naming Next's fix.
  {
    name: "Pages Router API route",
    path: "/api/conformance/pages",
    parsedPath: "/api/conformance/parsed",
    knownGaps: [],
  },
];

/** One `next start` per Next version, shared by its entry points' tables and stopped after the file. */
const servers = new Map<string, Promise<NextApp>>();
afterAll(async () => {
  await Promise.all([...servers.values()].map(async (app) => (await app).stop()));
});

function serverOf(dir: string): Promise<NextApp> {
  let app = servers.get(dir);
  if (!app) {
    app = startApp(dir, environment());
    servers.set(dir, app);
  }
  return app;
}

for (const { major, dir } of VERSIONS) {
  for (const { name, path, parsedPath, knownGaps } of ENTRY_POINTS) {
    describeConformance(
      `Next ${major}, ${name}`,
      async () => {
        const app = await serverOf(dir);
        const url = `${app.base}${path}`;
        return {
          url,
          runs: remoteRuns(url),
          rss: () => residentBytes(app.pid),
          close: async () => {}, // the server is shared; afterAll stops it
          ...(parsedPath ? { capabilities: { parserConsumed: true }, parsedUrl: `${app.base}${parsedPath}` } : {}),
        };
      },
      { knownGaps },
    );
  }
}
