// The shared Redis for redis.test.ts, started if installed and down.
import { ensureRedis } from "@hooks/test-utils/redis";

export default () => ensureRedis();
