// Next 15 builds with webpack, which compiles TypeScript only inside the app: externalDir lets it
// compile the adapter's sources (../../src, mapped by jsconfig.json) as Next 16's Turbopack does.
/** @type {import("next").NextConfig} */
export default { experimental: { externalDir: true } };
