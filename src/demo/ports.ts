/** Fixed demo ports, so the demo's URLs and `npm run demo:booking` stay the same between runs. */
export const DEMO_PORTS = { graph: 8443, feed: 8090, webhook: 8787 };
