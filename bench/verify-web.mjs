// Child process of the verify benchmark: @hooks/core forced onto its Web Crypto path. The dist
// exposes no switch, so process.getBuiltinModule throws before the first verify, as in an Edge sandbox.
process.getBuiltinModule = () => {
  throw new Error("benchmark: node:crypto hidden to force the Web Crypto path");
};
const { verify, schemes } = await import("@hooks/core");
const { Bench } = await import("tinybench");
const { SECRET, SIZES, payload, handSign, corruptHex, batched, batchSize } = await import("./common.mjs");

const quick = process.argv.includes("--quick");
const results = {};
for (let pass = 0; pass < (quick ? 1 : 2); pass++) {
  // Two passes, keeping each task's lower median, as the main verify benchmark does.
  for (const size of SIZES) {
    const body = payload(size.bytes);
    const headers = handSign(SECRET, body);
    const bad = { ...headers, "x-vastai-signature": corruptHex(headers["x-vastai-signature"]) };
    const bench = new Bench({ throws: true, ...(quick ? { time: 5, iterations: 3, warmupTime: 1 } : { time: 400 }) });
    const n = batchSize(size.bytes);
    bench.add(
      "ok",
      batched(() => verify({ scheme: schemes.vastai, secret: SECRET, headers, payload: body }), n),
    );
    bench.add(
      "fail",
      batched(
        () =>
          verify({ scheme: schemes.vastai, secret: SECRET, headers: bad, payload: body }).then(
            () => {
              throw new Error("a wrong signature verified");
            },
            () => {},
          ),
        n,
      ),
    );
    await bench.run();
    results[size.label] ??= {};
    for (const t of bench.tasks) {
      results[size.label][t.name] = Math.min(results[size.label][t.name] ?? Infinity, t.result.latency.p50 / n);
    }
  }
}
process.stdout.write(JSON.stringify(results));
