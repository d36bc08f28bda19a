// The dead-letters tests need the shared Redis (REDIS_URL or 127.0.0.1:6379): started here if installed and down.
import { ensureRedis } from "@hooks/test-utils/redis";

export default () => ensureRedis();
